//! Import (parse, upgrade, bounds, schema validation, ids) and canonical rendering of a
//! generated 5,000-request collection and of a ~1 MB one.
//!
//! `cargo bench -p ferry-postman --features bench --bench collection`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_postman::{Collection, SCHEMA_V2_1};
use serde_json::{json, Value};

/// `folders` folders of `per_folder` requests, each request with a body of `body_bytes` bytes.
/// Items carry no ids, so import also assigns them.
fn generated(folders: usize, per_folder: usize, body_bytes: usize) -> Vec<u8> {
    let body = "x".repeat(body_bytes);
    let folders: Vec<Value> = (0..folders)
        .map(|folder| {
            let requests: Vec<Value> = (0..per_folder)
                .map(|n| {
                    json!({
                        "name": format!("Request {folder}/{n}"),
                        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": ["pm.test('ok', () => pm.response.to.have.status(200));"]}}],
                        "request": {
                            "method": "POST",
                            "header": [{"key": "Content-Type", "value": "application/json"}, {"key": "X-Trace", "value": "{{trace}}", "disabled": true}],
                            "body": {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}},
                            "url": {
                                "raw": format!("{{{{baseUrl}}}}/folders/{folder}/items/{n}?page=1&size=20"),
                                "host": ["{{baseUrl}}"],
                                "path": ["folders", folder.to_string(), "items", n.to_string()],
                                "query": [{"key": "page", "value": "1"}, {"key": "size", "value": "20"}]
                            },
                            "description": "Creates an item; returns 201 with its location."
                        },
                        "response": []
                    })
                })
                .collect();
            json!({"name": format!("Folder {folder}"), "item": requests})
        })
        .collect();
    let document = json!({
        "info": {"name": "Benchmark", "schema": SCHEMA_V2_1},
        "item": folders,
        "variable": [{"key": "baseUrl", "value": "https://api.example.com"}]
    });
    serde_json::to_vec(&document).expect("a JSON value serializes")
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("5000 requests", generated(50, 100, 40)),
        ("1 MB", generated(10, 30, 2_800)),
    ];
    let mut group = c.benchmark_group("collection");
    group.sample_size(10);
    for (name, json) in &cases {
        let collection = Collection::import(json).expect("the generated collection is valid");
        eprintln!(
            "{name}: {} bytes in, {} bytes canonical, {} items",
            json.len(),
            collection.to_canonical_json().len(),
            collection.tree().len()
        );
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_function(format!("import/{name}"), |b| {
            b.iter(|| Collection::import(black_box(json)))
        });
        group.bench_function(format!("render/{name}"), |b| {
            b.iter(|| black_box(&collection).to_canonical_json())
        });
        group.bench_function(format!("import+render/{name}"), |b| {
            b.iter(|| {
                Collection::import(black_box(json)).map(|imported| imported.to_canonical_json())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
