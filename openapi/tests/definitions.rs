//! Definitions written by hand, as people write them: what parses, what is refused, and
//! where each problem is placed.

use std::time::Instant;

use ferry_openapi::{Definition, Format, ParseError, Problem, Spec};

fn refused(text: &str) -> ParseError {
    Definition::parse(text).expect_err("refused")
}

fn problems(text: &str) -> Vec<String> {
    Definition::parse(text)
        .expect("parses")
        .problems()
        .iter()
        .map(Problem::to_string)
        .collect()
}

const PETS_31: &str = r#"# Pets, as a person writes it: comments, anchors, keys in no particular order.
openapi: 3.1.0
paths:
  /pets/{id}:
    parameters:
      - &id {name: id, in: path, required: true, schema: {type: string}}
    delete:
      responses: {'204': {description: Gone}}
    get:
      operationId: getPet   # the one tools call
      tags: [pets]
      responses:
        '200': &pet
          description: A pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /pets:
    post:
      summary: Add a pet
      deprecated: true
      responses: {'201': *pet}
info:
  title: Pets
  version: "1.0"
servers:
  - url: https://{region}.pets.example/v1
    variables: {region: {default: eu}}
components:
  schemas:
    Pet:
      type: object
      properties: {id: {type: string}, name: {type: [string, "null"]}}
"#;

#[test]
fn a_hand_written_openapi_3_1_yaml_is_valid_and_lists_its_operations() {
    let definition = Definition::parse(PETS_31).expect("parses");
    assert_eq!(definition.format(), Format::Yaml);
    assert_eq!(definition.spec(), Some(Spec::OpenApi31));
    assert_eq!(definition.problems(), []);
    let info = definition.info();
    assert_eq!(info.title.as_deref(), Some("Pets"));
    assert_eq!(info.version.as_deref(), Some("1.0"));
    assert_eq!(info.servers, ["https://eu.pets.example/v1"]);
    let operations = definition.operations();
    let listed: Vec<String> = operations
        .iter()
        .map(|operation| format!("{} {}", operation.method, operation.path))
        .collect();
    assert_eq!(
        listed,
        ["POST /pets", "GET /pets/{id}", "DELETE /pets/{id}"]
    );
    assert!(operations[0].deprecated);
    assert_eq!(operations[0].summary.as_deref(), Some("Add a pet"));
    assert_eq!(operations[1].operation_id.as_deref(), Some("getPet"));
    assert_eq!(operations[1].tags, ["pets"]);
    assert_eq!(
        definition.document()["paths"]["/pets"]["post"]["responses"]["201"],
        definition.document()["paths"]["/pets/{id}"]["get"]["responses"]["200"]
    );
}

#[test]
fn a_yaml_problem_is_placed_on_its_line_and_column() {
    let text = PETS_31
        .replace("in: path", "in: paths")
        .replace("  version: \"1.0\"\n", "");
    assert_eq!(
        problems(&text),
        [
            // The parameter's `in` value is on line 6, column 28; `info:` on line 23.
            r#"line 6, column 28: paths./pets/{id}.parameters.0.in: "paths" is not one of "query", "header", "path", "cookie""#,
            r#"line 23, column 1: info: missing required property "version""#,
        ]
    );
}

#[test]
fn a_json_problem_is_placed_on_its_line_and_column() {
    let text = r#"{
  "swagger": "2.0",
  "info": {"title": "Pets", "version": "1"},
  "host": "pets.example", "basePath": "/v1",
  "paths": {
    "/pets": {
      "get": {
        "responses": {"200": {"description": "ok"}},
        "produces": 12,
        "nickname": "x"
      }
    }
  }
}"#;
    assert_eq!(
        problems(text),
        [
            "line 9, column 21: paths./pets.get.produces: expected an array, found a number",
            r#"line 10, column 9: paths./pets.get: unexpected property "nickname""#,
        ]
    );
}

#[test]
fn a_swagger_2_definition_is_read_only_and_lists_operations() {
    let text = r#"{"swagger": "2.0", "info": {"title": "Pets", "version": "1"},
        "host": "pets.example", "basePath": "/v1", "schemes": ["http"],
        "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}},
                            "post": {"responses": {"201": {"description": "made"}}}}}}"#;
    let definition = Definition::parse(text).expect("parses");
    assert_eq!(definition.spec(), Some(Spec::Swagger2));
    assert!(Spec::Swagger2.read_only() && !Spec::OpenApi30.read_only());
    assert_eq!(definition.problems(), []);
    assert_eq!(definition.info().servers, ["http://pets.example/v1"]);
    let methods: Vec<String> = definition
        .operations()
        .into_iter()
        .map(|op| op.method)
        .collect();
    assert_eq!(methods, ["GET", "POST"]);
}

#[test]
fn references_outside_the_definition_or_to_nothing_are_problems() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: 'other.yaml#/Ok'}\n        '404': {$ref: '#/components/responses/Missing'}\n";
    assert_eq!(
        problems(text),
        [
            r#"line 7, column 23: paths./a.get.responses.200.$ref: "$ref" "other.yaml#/Ok": only references within this definition are resolved (Ferry never fetches other files or URLs)"#,
            r##"line 8, column 23: paths./a.get.responses.404.$ref: "$ref" "#/components/responses/Missing" points at nothing"##,
        ]
    );
}

#[test]
fn a_definition_without_a_known_version_says_what_is_supported() {
    assert_eq!(
        problems("info: {title: t, version: '1'}\npaths: {}\n"),
        [
            r#"line 1, column 1: neither "openapi" nor "swagger" says which specification this follows: Ferry reads OpenAPI 3.0.x and 3.1.x ("openapi": "3.1.0") and Swagger 2.0 ("swagger": "2.0")"#
        ]
    );
    let unquoted =
        Definition::parse("openapi: 3.1\ninfo: {title: t, version: '1'}\n").expect("parses");
    assert_eq!(unquoted.spec(), None);
    assert!(unquoted.problems()[0].to_string().starts_with(
        r#"line 1, column 10: openapi: the version must be a string such as "3.1.0""#
    ));
}

#[test]
fn refuses_empty_oversized_duplicate_and_multi_document_texts() {
    assert_eq!(
        refused(" \n\t").to_string(),
        "line 1, column 1: the definition is empty"
    );
    let huge = format!(
        "{{\"x\": \"{}\"}}",
        "a".repeat(ferry_openapi::limits::MAX_BYTES)
    );
    assert_eq!(refused(&huge).message, "definition larger than 16 MiB");
    assert_eq!(
        refused("openapi: 3.1.0\ninfo: {}\npaths: {}\ninfo: {}\n").to_string(),
        r#"line 4, column 1: duplicate key "info" (first written on line 2)"#
    );
    assert_eq!(
        refused("{\"openapi\": \"3.1.0\",\n \"openapi\": \"3.0.0\"}").to_string(),
        r#"line 2, column 2: duplicate key "openapi" (first written on line 1)"#
    );
    assert_eq!(
        refused("openapi: 3.1.0\n---\nopenapi: 3.0.0\n").message,
        "one document per file: a second YAML document starts here"
    );
}

#[test]
fn refuses_a_billion_laughs_quickly_and_without_expanding_it() {
    let mut text = String::from(
        "openapi: 3.1.0\nx-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for level in 1..10 {
        let previous = format!("*l{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("x-{level}: &l{level} [{items}]\n"));
    }
    let started = Instant::now();
    let error = refused(&text);
    assert!(
        started.elapsed().as_millis() < 500,
        "{:?}",
        started.elapsed()
    );
    // x-1 adds 110 values, x-2 1,110, x-3 11,110, x-4 (line 6) 111,110: refused there.
    assert_eq!(error.line, 6);
    assert_eq!(error.message, "aliases expand to more than 100000 nodes (YAML anchors/aliases are bounded; a \"billion laughs\" document is refused, never expanded)");
}

#[test]
fn refuses_deep_nesting_in_json_and_yaml_without_overflowing_the_stack() {
    for text in [
        "[".repeat(10_000),
        format!("a: {}", "[".repeat(10_000)),
        "{\"a\":".repeat(10_000),
    ] {
        let error = refused(&text);
        assert!(
            error.message.starts_with("nesting deeper than 64 levels"),
            "{error}"
        );
    }
    let block: String = (0..1_000)
        .map(|level| format!("{}- \n", "  ".repeat(level)))
        .collect();
    let error = refused(&block);
    assert!(
        error.message.starts_with("nesting deeper than 64 levels"),
        "{error}"
    );
}
