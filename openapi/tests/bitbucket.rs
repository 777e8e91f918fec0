//! The real 1.2 MB Bitbucket Cloud definition (OpenAPI 3.0), read in place from the shared
//! folder beside the repository (`/work/shared`; CI clones the repository beside it too).

use std::time::Instant;

use ferry_openapi::{Definition, Format, Spec};
use serde_json::Value;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bitbucket/cloud-openapi.json"
);

fn text() -> String {
    std::fs::read_to_string(PATH).unwrap_or_else(|error| {
        panic!("the Bitbucket definition is expected beside the repository at {PATH}: {error}")
    })
}

#[test]
fn parses_validates_and_lists_every_operation() {
    let text = text();
    let started = Instant::now();
    let definition = Definition::parse(&text).expect("the Bitbucket definition parses");
    let parsed = started.elapsed();
    let problems = definition.problems();
    let validated = started.elapsed();
    let operations = definition.operations();
    let listed = started.elapsed();
    eprintln!("parse {parsed:?}, +problems {validated:?}, +operations {listed:?}");
    // Atlassian's file is valid against the official OpenAPI 3.0 schema, and every `$ref`
    // in it resolves.
    assert_eq!(problems, []);

    assert_eq!(definition.format(), Format::Json);
    assert_eq!(definition.spec(), Some(Spec::OpenApi30));
    let info = definition.info();
    assert_eq!(info.title.as_deref(), Some("Bitbucket API"));
    assert_eq!(info.version.as_deref(), Some("2.0"));

    // Counted independently, with serde_json alone.
    let document: Value = serde_json::from_str(&text).expect("serde_json parses it");
    assert_eq!(definition.document(), &document);
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let pairs: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| methods.iter().filter(|m| item.get(**m).is_some()).count())
        .sum();
    assert_eq!(operations.len(), pairs);
    assert_eq!(pairs, 331);
}

/// One wrong parameter location in the real file: the problem names exactly the line and
/// column where it was written, found here by searching the text.
#[test]
fn places_a_problem_in_the_real_file_on_its_line_and_column() {
    let text = text();
    let needle = r#""in": "path""#;
    let offset = text.find(needle).expect("a path parameter") + r#""in": "#.len();
    let broken = format!(
        "{}\"cookies\"{}",
        &text[..offset],
        &text[offset + r#""path""#.len()..]
    );
    let line = text[..offset].matches('\n').count() + 1;
    let column = text[..offset]
        .rsplit('\n')
        .next()
        .expect("a line")
        .chars()
        .count()
        + 1;

    let problems = Definition::parse(&broken).expect("still parses").problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    assert_eq!((problem.line, problem.column), (line, column));
    assert!(problem.path.ends_with(".in"), "{}", problem.path);
    assert_eq!(
        problem.message,
        r#""cookies" is not one of "path", "query", "header", "cookie""#
    );
}
