//! The real 1.2 MB Bitbucket Cloud definition (193 paths, 331 operations): its import (parse,
//! problems, operations), the generation of its collection, and a regeneration that keeps a
//! collection's hand-made requests.
//!
//! `cargo bench -p ferry-openapi --features bench --bench definition`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_openapi::{generate, Definition};
use uuid::Uuid;

const BITBUCKET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bitbucket/cloud-openapi.json"
);

fn bitbucket() -> String {
    std::fs::read_to_string(BITBUCKET)
        .unwrap_or_else(|error| panic!("the Bitbucket definition at {BITBUCKET}: {error}"))
}

fn import(c: &mut Criterion) {
    let text = bitbucket();
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("bitbucket", |b| {
        b.iter(|| {
            let definition = Definition::parse(black_box(&text)).expect("parses");
            (definition.problems(), definition.operations())
        })
    });
    group.finish();
}

fn generation(c: &mut Criterion) {
    let definition = Definition::parse(&bitbucket()).expect("parses");
    let namespace = Uuid::from_u128(0x5eed);
    let generated =
        generate::collection(definition.document(), "Bitbucket API", namespace).expect("generates");
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.bench_function("bitbucket", |b| {
        b.iter(|| {
            generate::collection(black_box(definition.document()), "Bitbucket API", namespace)
        })
    });
    group.bench_function("bitbucket_again", |b| {
        b.iter(|| generate::regenerate(black_box(definition.document()), &generated, namespace))
    });
    group.finish();
}

criterion_group!(benches, import, generation);
criterion_main!(benches);
