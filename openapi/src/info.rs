//! What a definition says about itself, for lists and headers: where the servers are differs
//! between Swagger 2.0 (`schemes`, `host`, `basePath`) and OpenAPI 3 (`servers`).

use serde_json::Value;

/// Title, version, description and server URLs of a definition.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Info {
    pub title: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// OpenAPI 3: `servers[].url` with `{variable}`s replaced by their defaults; Swagger 2:
    /// `schemes[0]://host basePath` (https when no scheme is given; none without a host).
    pub servers: Vec<String>,
}

pub(crate) fn read(document: &Value) -> Info {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let info = document.get("info");
    Info {
        title: text(info.and_then(|info| info.get("title"))),
        version: text(info.and_then(|info| info.get("version"))),
        description: text(info.and_then(|info| info.get("description"))),
        servers: if document.get("swagger").is_some() {
            swagger_server(document).into_iter().collect()
        } else {
            document
                .get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(server_url)
                .collect()
        },
    }
}

fn server_url(server: &Value) -> Option<String> {
    let url = server.get("url")?.as_str()?;
    let variables = server.get("variables");
    let mut resolved = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|close| open + close) else {
            break;
        };
        let name = &rest[open + 1..close];
        let default = variables
            .and_then(|variables| variables.get(name))
            .and_then(|variable| variable.get("default"))
            .and_then(Value::as_str);
        resolved.push_str(&rest[..open]);
        match default {
            Some(default) => resolved.push_str(default),
            None => resolved.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    resolved.push_str(rest);
    Some(resolved)
}

fn swagger_server(document: &Value) -> Option<String> {
    let host = document.get("host")?.as_str()?;
    let scheme = document
        .get("schemes")
        .and_then(|schemes| schemes.get(0))
        .and_then(Value::as_str)
        .unwrap_or("https");
    let base_path = document
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("");
    Some(format!("{scheme}://{host}{base_path}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn substitutes_server_variables_and_builds_swagger_urls() {
        let info = read(
            &json!({"openapi": "3.0.0", "info": {"title": "T", "version": "1"},
            "servers": [{"url": "https://{region}.example.com/{base}/{other}",
                "variables": {"region": {"default": "eu"}, "base": {"default": "v2"}}}, {"url": "/relative"}]}),
        );
        assert_eq!(info.title.as_deref(), Some("T"));
        assert_eq!(
            info.servers,
            ["https://eu.example.com/v2/{other}", "/relative"]
        );
        let swagger = read(
            &json!({"swagger": "2.0", "host": "api.example.com", "basePath": "/v1", "schemes": ["http", "https"]}),
        );
        assert_eq!(swagger.servers, ["http://api.example.com/v1"]);
        assert!(read(&json!({"swagger": "2.0"})).servers.is_empty());
    }
}
