//! Reading a definition's operations and writing each as a Postman request item.

use serde_json::{json, Map, Value};

use super::{
    example::{self, form_fields, stated, stated_in, text},
    refs::Definition,
};

/// The methods a path item may hold, in the order OpenAPI lists them.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Header parameters OpenAPI says to ignore (they are described elsewhere).
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// Longest name Postman collections accept here (`ferry_postman::limits::MAX_NAME_CHARS`).
const MAX_NAME_CHARS: usize = ferry_postman::limits::MAX_NAME_CHARS;

/// One operation of the definition, ready to be written as a request.
pub(crate) struct Operation<'a> {
    /// `GET /users/{id}`: the method in capitals and the path as the definition writes it.
    pub key: String,
    /// The first tag, when the operation has one.
    pub tag: Option<&'a str>,
    /// The request item, without its id.
    pub item: Map<String, Value>,
}

/// Whether the definition is Swagger 2.0 (else OpenAPI 3.x).
pub(crate) fn is_swagger2(root: &Value) -> bool {
    root.get("swagger").is_some() && root.get("openapi").is_none()
}

/// The operations of `root`, path by path (in the order the parsed tree keeps its keys), each
/// path's methods in OpenAPI's order.
pub(crate) fn operations(root: &Value) -> Vec<Operation<'_>> {
    let definition = Definition { root };
    let swagger2 = is_swagger2(root);
    let mut found = Vec::new();
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, path_item) in paths {
        let Some(path_item) = definition.resolve(path_item).and_then(Value::as_object) else {
            continue;
        };
        for method in METHODS {
            let Some(operation) = path_item.get(method).and_then(Value::as_object) else {
                continue;
            };
            let parameters = parameters(
                definition,
                path_item.get("parameters"),
                operation.get("parameters"),
            );
            let reader = Reader {
                definition,
                swagger2,
                path,
                method,
                operation,
                parameters,
            };
            found.push(Operation {
                key: format!("{} {path}", method.to_ascii_uppercase()),
                tag: operation
                    .get("tags")
                    .and_then(Value::as_array)
                    .and_then(|tags| tags.first())
                    .and_then(Value::as_str)
                    .filter(|tag| !tag.trim().is_empty()),
                item: reader.item(),
            });
        }
    }
    found
}

/// Path-level parameters, then operation-level ones; an operation-level parameter replaces the
/// path-level one with its name and location. `$ref`s are resolved.
fn parameters<'a>(
    definition: Definition<'a>,
    path_level: Option<&'a Value>,
    operation_level: Option<&'a Value>,
) -> Vec<&'a Map<String, Value>> {
    let mut list: Vec<&Map<String, Value>> = Vec::new();
    for level in [path_level, operation_level] {
        let entries = level
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for entry in entries {
            let Some(parameter) = definition.resolve(entry).and_then(Value::as_object) else {
                continue;
            };
            let identity = |parameter: &Map<String, Value>| {
                (
                    parameter
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    parameter
                        .get("in")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
            };
            match list
                .iter()
                .position(|known| identity(known) == identity(parameter))
            {
                Some(index) => list[index] = parameter,
                None => list.push(parameter),
            }
        }
    }
    list
}

struct Reader<'a> {
    definition: Definition<'a>,
    swagger2: bool,
    path: &'a str,
    method: &'a str,
    operation: &'a Map<String, Value>,
    parameters: Vec<&'a Map<String, Value>>,
}

impl<'a> Reader<'a> {
    fn item(&self) -> Map<String, Value> {
        let mut request = Map::new();
        request.insert(
            "method".into(),
            Value::String(self.method.to_ascii_uppercase()),
        );
        let mut headers = self.entries("header");
        headers.retain(|header| {
            let key = header["key"].as_str().unwrap_or_default();
            !IGNORED_HEADERS.contains(&key.to_ascii_lowercase().as_str())
        });
        let body = self.body();
        if let Some((_, Some(content_type))) = &body {
            headers.push(json!({"key": "Content-Type", "value": content_type}));
        }
        request.insert("header".into(), Value::Array(headers));
        if let Some((body, _)) = body {
            request.insert("body".into(), body);
        }
        request.insert("url".into(), self.url());
        if let Some(description) = self.text_of(self.operation, "description") {
            request.insert("description".into(), Value::String(description.to_owned()));
        }
        let name = self
            .text_of(self.operation, "summary")
            .or_else(|| self.text_of(self.operation, "operationId"))
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{} {}", self.method.to_ascii_uppercase(), self.path));
        let mut item = Map::new();
        item.insert("name".into(), Value::String(bounded_name(&name)));
        item.insert("request".into(), Value::Object(request));
        item
    }

    fn text_of(&self, object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    }

    fn located(&self, location: &str) -> impl Iterator<Item = &'a Map<String, Value>> + '_ {
        let location = location.to_owned();
        self.parameters
            .iter()
            .copied()
            .filter(move |parameter| parameter.get("in").and_then(Value::as_str) == Some(&location))
    }

    /// Query or header entries: `{key, value, description?, disabled?}`, optional ones
    /// disabled (Postman sends only what is enabled).
    fn entries(&self, location: &str) -> Vec<Value> {
        self.located(location)
            .filter_map(|parameter| {
                let name = parameter.get("name").and_then(Value::as_str)?;
                let mut entry = Map::new();
                entry.insert("key".into(), Value::String(name.to_owned()));
                entry.insert(
                    "value".into(),
                    Value::String(self.parameter_value(parameter)),
                );
                if let Some(description) = self.text_of(parameter, "description") {
                    entry.insert("description".into(), Value::String(description.to_owned()));
                }
                if parameter.get("required") != Some(&Value::Bool(true)) {
                    entry.insert("disabled".into(), Value::Bool(true));
                }
                Some(Value::Object(entry))
            })
            .collect()
    }

    /// A parameter's example: its `example`, first of its `examples`, then what its schema
    /// (2.0: the parameter itself) states: `example`, `default`, first `enum` value. Empty
    /// when nothing is stated: a type's placeholder would only have to be cleared.
    fn parameter_value(&self, parameter: &'a Map<String, Value>) -> String {
        if let Some(value) = parameter.get("example") {
            return text(value);
        }
        if let Some(value) = self.first_example(parameter.get("examples")) {
            return text(value);
        }
        let schema = if self.swagger2 {
            Some(parameter)
        } else {
            parameter
                .get("schema")
                .or_else(|| {
                    // `content` instead of `schema`: its one media type's schema.
                    parameter
                        .get("content")
                        .and_then(Value::as_object)
                        .and_then(|content| content.values().next())
                        .and_then(|media| media.get("schema"))
                })
                .and_then(|schema| self.definition.resolve(schema))
                .and_then(Value::as_object)
        };
        let Some(schema) = schema else {
            return String::new();
        };
        if let Some(value) = stated_in(schema) {
            return text(value);
        }
        // An array parameter: what its items state, as a one-item list.
        schema
            .get("items")
            .and_then(|items| self.definition.resolve(items))
            .and_then(stated)
            .map(text)
            .unwrap_or_default()
    }

    /// First value of an `examples` map of Example objects (3.x; `$ref`s resolved).
    fn first_example(&self, examples: Option<&'a Value>) -> Option<&'a Value> {
        examples
            .and_then(Value::as_object)?
            .values()
            .filter_map(|example| self.definition.resolve(example))
            .find_map(|example| example.get("value"))
    }

    /// `{{baseUrl}}/users/:id?limit=10`: a path parameter that is a whole segment becomes a
    /// Postman path variable (`:id`, with its value in `url.variable`); one inside a segment
    /// (`/files/{name}.json`) becomes a `{{name}}` variable reference, since Postman's path
    /// variables take whole segments.
    fn url(&self) -> Value {
        let mut segments = Vec::new();
        let mut variables = Vec::new();
        let path_parameters: Vec<&Map<String, Value>> = self.located("path").collect();
        let trimmed = self.path.strip_prefix('/').unwrap_or(self.path);
        for segment in trimmed.split('/') {
            let whole = segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|name| !name.contains(['{', '}']));
            match whole {
                Some(name) => {
                    segments.push(format!(":{name}"));
                    let parameter = path_parameters.iter().find(|parameter| {
                        parameter.get("name").and_then(Value::as_str) == Some(name)
                    });
                    let mut variable = Map::new();
                    variable.insert("key".into(), Value::String(name.to_owned()));
                    variable.insert(
                        "value".into(),
                        Value::String(
                            parameter
                                .map(|parameter| self.parameter_value(parameter))
                                .unwrap_or_default(),
                        ),
                    );
                    if let Some(description) =
                        parameter.and_then(|parameter| self.text_of(parameter, "description"))
                    {
                        variable
                            .insert("description".into(), Value::String(description.to_owned()));
                    }
                    variables.push(Value::Object(variable));
                }
                None => segments.push(segment.replace('{', "{{").replace('}', "}}")),
            }
        }
        let query = self.entries("query");
        let enabled: Vec<String> = query
            .iter()
            .filter(|entry| entry.get("disabled").is_none())
            .map(|entry| {
                format!(
                    "{}={}",
                    entry["key"].as_str().unwrap_or_default(),
                    entry["value"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let mut raw = format!("{{{{baseUrl}}}}/{}", segments.join("/"));
        if !enabled.is_empty() {
            raw.push('?');
            raw.push_str(&enabled.join("&"));
        }
        let mut url = Map::new();
        url.insert("raw".into(), Value::String(raw));
        url.insert("host".into(), json!(["{{baseUrl}}"]));
        url.insert("path".into(), json!(segments));
        if !query.is_empty() {
            url.insert("query".into(), Value::Array(query));
        }
        if !variables.is_empty() {
            url.insert("variable".into(), Value::Array(variables));
        }
        Value::Object(url)
    }

    /// The body and the `Content-Type` to send it with.
    fn body(&self) -> Option<(Value, Option<String>)> {
        if self.swagger2 {
            self.body_swagger2()
        } else {
            self.body_openapi3()
        }
    }

    fn body_openapi3(&self) -> Option<(Value, Option<String>)> {
        let request_body = self
            .definition
            .resolve(self.operation.get("requestBody")?)?;
        let content = request_body.get("content")?.as_object()?;
        let media_type = choose_media_type(content.keys().map(String::as_str))?;
        let media = self.definition.resolve(&content[media_type])?;
        let schema = media.get("schema");
        let stated_example = media
            .get("example")
            .or_else(|| self.first_example(media.get("examples")));
        Some(self.body_of(media_type, stated_example, schema))
    }

    fn body_swagger2(&self) -> Option<(Value, Option<String>)> {
        let consumes = self
            .operation
            .get("consumes")
            .or_else(|| self.definition.root.get("consumes"))
            .and_then(Value::as_array)
            .map(|types| types.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        if let Some(body) = self.located("body").next() {
            let media_type = choose_media_type(consumes.iter().copied())
                .filter(|media_type| !is_form(media_type))
                .unwrap_or("application/json");
            return Some(self.body_of(media_type, None, body.get("schema")));
        }
        let form: Vec<&Map<String, Value>> = self.located("formData").collect();
        if form.is_empty() {
            return None;
        }
        // Form parameters make a schema of their own: one property each.
        let has_file = form
            .iter()
            .any(|parameter| parameter.get("type").and_then(Value::as_str) == Some("file"));
        let media_type = if has_file || consumes.contains(&"multipart/form-data") {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        let properties: Map<String, Value> = form
            .iter()
            .filter_map(|parameter| {
                let name = parameter.get("name").and_then(Value::as_str)?;
                Some((name.to_owned(), Value::Object((*parameter).clone())))
            })
            .collect();
        let schema = json!({"type": "object", "properties": properties});
        Some(self.form_body(media_type, &schema))
    }

    fn body_of(
        &self,
        media_type: &str,
        stated_example: Option<&Value>,
        schema: Option<&'a Value>,
    ) -> (Value, Option<String>) {
        if is_form(media_type) {
            if let Some(schema) = schema {
                return self.form_body(media_type, schema);
            }
        }
        let lower = media_type.to_ascii_lowercase();
        if is_json(&lower) {
            let value = match (stated_example, schema) {
                (Some(value), _) => value.clone(),
                (None, Some(schema)) => example::example(self.definition, schema),
                (None, None) => Value::Object(Map::new()),
            };
            let raw = match &value {
                // A JSON example written as text: kept as written.
                Value::String(text)
                    if text.trim_start().starts_with(['{', '['])
                        && serde_json::from_str::<Value>(text).is_ok() =>
                {
                    text.clone()
                }
                value => serde_json::to_string_pretty(value).unwrap_or_default(),
            };
            return (raw_body(raw, "json"), Some(media_type.to_owned()));
        }
        if lower == "application/octet-stream" || lower.starts_with("image/") {
            return (
                json!({"mode": "file", "file": {"src": null}}),
                Some(media_type.to_owned()),
            );
        }
        let raw = match stated_example.or_else(|| schema.and_then(stated)) {
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let language = if lower.contains("xml") {
            "xml"
        } else if lower.contains("html") {
            "html"
        } else if lower.contains("javascript") {
            "javascript"
        } else {
            "text"
        };
        let content_type = (!media_type.contains('*')).then(|| media_type.to_owned());
        (raw_body(raw, language), content_type)
    }

    fn form_body(&self, media_type: &str, schema: &Value) -> (Value, Option<String>) {
        // The schema may be one built here (2.0 form parameters), so it is read through a
        // definition whose references still point into the document.
        let fields = form_fields(self.definition, schema);
        let multipart = media_type.eq_ignore_ascii_case("multipart/form-data");
        let entries: Vec<Value> = fields
            .into_iter()
            .map(|field| {
                let mut entry = Map::new();
                entry.insert("key".into(), Value::String(field.name.to_owned()));
                if multipart && field.file {
                    entry.insert("type".into(), Value::String("file".into()));
                    entry.insert("src".into(), Value::Array(Vec::new()));
                } else {
                    entry.insert("value".into(), Value::String(field.value));
                    if multipart {
                        entry.insert("type".into(), Value::String("text".into()));
                    }
                }
                if let Some(description) = field.description {
                    entry.insert("description".into(), Value::String(description.to_owned()));
                }
                Value::Object(entry)
            })
            .collect();
        if multipart {
            // Postman writes the multipart Content-Type itself, with the boundary.
            (json!({"mode": "formdata", "formdata": entries}), None)
        } else {
            (
                json!({"mode": "urlencoded", "urlencoded": entries}),
                Some(media_type.to_owned()),
            )
        }
    }
}

fn raw_body(raw: String, language: &str) -> Value {
    json!({"mode": "raw", "raw": raw, "options": {"raw": {"language": language}}})
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json") || essence.contains("/json")
}

fn is_form(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data"
}

/// `application/json` first, then another JSON type, then a form, then the first listed.
fn choose_media_type<'t>(types: impl Iterator<Item = &'t str> + Clone) -> Option<&'t str> {
    let lower = |media_type: &str| media_type.to_ascii_lowercase();
    types
        .clone()
        .find(|media_type| lower(media_type) == "application/json")
        .or_else(|| types.clone().find(|media_type| is_json(&lower(media_type))))
        .or_else(|| {
            types
                .clone()
                .find(|media_type| lower(media_type) == "application/x-www-form-urlencoded")
        })
        .or_else(|| {
            types
                .clone()
                .find(|media_type| lower(media_type) == "multipart/form-data")
        })
        .or_else(|| types.clone().next())
}

/// A name within the bound collections put on names.
pub(crate) fn bounded_name(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((end, _)) => name[..end].to_owned(),
        None => name.to_owned(),
    }
}

/// The value of the collection variable `baseUrl`: 3.x, the first server's URL with its
/// `{variables}` given their defaults; 2.0, `scheme://host` + `basePath` (the first of
/// `schemes`, else `https`). A trailing `/` is dropped, since every path starts with one.
/// Without a server (or host) it is the relative base the definition implies: empty for 3.x
/// (its default server is `/`), the `basePath` for 2.0.
pub(crate) fn base_url(root: &Value) -> String {
    let url = if is_swagger2(root) {
        let base_path = root
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match root.get("host").and_then(Value::as_str) {
            Some(host) => {
                let scheme = root
                    .get("schemes")
                    .and_then(Value::as_array)
                    .and_then(|schemes| schemes.first())
                    .and_then(Value::as_str)
                    .unwrap_or("https");
                format!("{scheme}://{host}{base_path}")
            }
            None => base_path.to_owned(),
        }
    } else {
        let server = root
            .get("servers")
            .and_then(Value::as_array)
            .and_then(|servers| servers.first());
        match server
            .and_then(|server| server.get("url"))
            .and_then(Value::as_str)
        {
            Some(url) => {
                substitute_server_variables(url, server.and_then(|server| server.get("variables")))
            }
            None => String::new(),
        }
    };
    url.trim_end_matches('/').to_owned()
}

fn substitute_server_variables(url: &str, variables: Option<&Value>) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + length];
        out.push_str(&rest[..start]);
        match variables
            .and_then(|variables| variables.get(name))
            .and_then(|variable| variable.get("default"))
        {
            Some(value) => out.push_str(&text(value)),
            None => out.push_str(&rest[start..=start + length]),
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let base = |root: Value| base_url(&root);
        assert_eq!(
            base(
                json!({"openapi": "3.0.3", "servers": [{"url": "https://{region}.example.com/{v}/",
                "variables": {"region": {"default": "eu"}}}]})
            ),
            "https://eu.example.com/{v}"
        );
        assert_eq!(base(json!({"openapi": "3.1.0"})), "");
        assert_eq!(
            base(json!({"openapi": "3.1.0", "servers": [{"url": "/"}]})),
            ""
        );
        assert_eq!(
            base(
                json!({"swagger": "2.0", "host": "api.example.com", "basePath": "/v1", "schemes": ["http"]})
            ),
            "http://api.example.com/v1"
        );
        assert_eq!(base(json!({"swagger": "2.0", "basePath": "/v1/"})), "/v1");
    }

    #[test]
    fn chooses_json_then_forms() {
        assert_eq!(
            choose_media_type(
                ["text/plain", "application/vnd.api+json", "application/json"].into_iter()
            ),
            Some("application/json")
        );
        assert_eq!(
            choose_media_type(["text/plain", "application/vnd.api+json"].into_iter()),
            Some("application/vnd.api+json")
        );
        assert_eq!(
            choose_media_type(["text/plain", "multipart/form-data"].into_iter()),
            Some("multipart/form-data")
        );
        assert_eq!(
            choose_media_type(["text/plain"].into_iter()),
            Some("text/plain")
        );
        assert_eq!(bounded_name(&"é".repeat(1_001)).chars().count(), 1_000);
    }
}
