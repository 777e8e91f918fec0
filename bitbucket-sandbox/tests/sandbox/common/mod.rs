//! Shared by the integration tests: a seeded sandbox on a free port with a temporary data
//! directory, an HTTP client, the OpenAPI contract as a JSON-schema validator, and git.

#![allow(dead_code)] // each test file uses its own subset of these helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use bitbucket_sandbox::{
    ApiToken, Config, OAuthConsumer, Repository, Running, Seed, User, Workspace,
};
use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};

pub const ALICE_EMAIL: &str = "alice@example.com";
pub const API_TOKEN_RW: &str = "alice-api-rw";
pub const API_TOKEN_READ: &str = "alice-api-read";
pub const API_TOKEN_WRITE_ONLY: &str = "alice-api-write-only";
pub const API_TOKEN_EXPIRED: &str = "alice-api-expired";
pub const APP_PASSWORD_RW: &str = "alice-app-rw";
pub const APP_PASSWORD_READ: &str = "alice-app-read";
pub const ACCESS_TOKEN: &str = "alice-access-token";
pub const BOB_APP_PASSWORD: &str = "bob-app";
pub const CONSUMER_KEY: &str = "ferry-key";
pub const CONSUMER_SECRET: &str = "ferry-secret";
pub const CALLBACK: &str = "http://127.0.0.1:3000/integrations/bitbucket/oauth/callback";

/// alice administers workspace `acme`; bob is in no workspace.
pub fn standard_seed() -> Seed {
    let mut alice = User::new("alice", ALICE_EMAIL)
        .api_token(
            API_TOKEN_RW,
            &[
                "read:user:bitbucket",
                "read:workspace:bitbucket",
                "read:repository:bitbucket",
                "write:repository:bitbucket",
                "read:webhook:bitbucket",
                "write:webhook:bitbucket",
                "delete:webhook:bitbucket",
            ],
        )
        .api_token(
            API_TOKEN_READ,
            &[
                "read:user:bitbucket",
                "read:workspace:bitbucket",
                "read:repository:bitbucket",
            ],
        )
        .api_token(API_TOKEN_WRITE_ONLY, &["write:repository:bitbucket"])
        .app_password(APP_PASSWORD_RW, &["account", "repository:write", "webhook"])
        .app_password(APP_PASSWORD_READ, &["repository"])
        .access_token(ACCESS_TOKEN, &["repository:write"]);
    alice.display_name = "Alice Example".to_owned();
    alice.api_tokens.push(ApiToken {
        token: API_TOKEN_EXPIRED.to_owned(),
        scopes: vec!["read:user:bitbucket".to_owned()],
        expires_at: Some("2020-01-01T00:00:00Z".to_owned()),
    });
    Seed::default()
        .user(alice)
        .user(
            User::new("bob", "bob@example.com")
                .app_password(BOB_APP_PASSWORD, &["account", "repository:write"]),
        )
        .workspace(
            Workspace::new("acme")
                .member("alice", true)
                .repository(Repository::new("backups"))
                .repository(
                    Repository::new("docs")
                        .public()
                        .file("README.md", "# Docs\n")
                        .file("guide/intro.md", "Hello\n"),
                )
                .repository(Repository::new("empty").empty())
                .repository(Repository::new("legacy").main_branch("master")),
        )
        .oauth_consumer(OAuthConsumer::new(CONSUMER_KEY, CONSUMER_SECRET, CALLBACK))
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic(&'static str, &'static str),
    Bearer(String),
}

pub const ALICE: Auth = Auth::Basic(ALICE_EMAIL, API_TOKEN_RW);

impl Auth {
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Basic(user, secret) => request.basic_auth(user, Some(secret)),
            Auth::Bearer(token) => request.bearer_auth(token),
        }
    }
}

pub struct Sandbox {
    pub running: Running,
    pub data: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Sandbox {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().expect("temporary data directory");
        let mut config = Config::new(data.path(), standard_seed());
        adjust(&mut config);
        let running = bitbucket_sandbox::start(config)
            .await
            .expect("sandbox starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Sandbox {
            running,
            data,
            http,
        }
    }

    pub async fn start_with_faults(faults: bitbucket_sandbox::Faults) -> Self {
        Self::start_with(|config| config.faults = faults).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    pub fn bare_repo(&self, workspace: &str, slug: &str) -> PathBuf {
        self.data
            .path()
            .join("repositories")
            .join(workspace)
            .join(format!("{slug}.git"))
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Response {
        auth.apply(self.http.get(self.url(path)))
            .send()
            .await
            .expect("GET")
    }

    pub async fn get_json(&self, path: &str, auth: &Auth) -> (u16, Value) {
        let response = self.get(path, auth).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub fn commit_request(
        &self,
        workspace: &str,
        slug: &str,
        auth: &Auth,
        form: reqwest::multipart::Form,
    ) -> RequestBuilder {
        let url = self.url(&format!("/2.0/repositories/{workspace}/{slug}/src"));
        auth.apply(self.http.post(url)).multipart(form)
    }

    pub async fn commit(
        &self,
        workspace: &str,
        slug: &str,
        auth: &Auth,
        form: reqwest::multipart::Form,
    ) -> Response {
        self.commit_request(workspace, slug, auth, form)
            .send()
            .await
            .expect("POST src")
    }

    /// Commits one file to `acme/<slug>` with no other fields.
    pub async fn commit_file(
        &self,
        slug: &str,
        auth: &Auth,
        path: &str,
        content: &str,
    ) -> Response {
        self.commit("acme", slug, auth, form(&[], vec![file(path, content)]))
            .await
    }

    /// Calls an admin endpoint (from loopback, so it answers).
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let request = self.http.request(method, self.url(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("admin request")
    }

    /// The tip of a branch as the API reports it.
    pub async fn tip(&self, workspace: &str, slug: &str, branch: &str) -> String {
        let (status, body) = self
            .get_json(
                &format!("/2.0/repositories/{workspace}/{slug}/refs/branches/{branch}"),
                &ALICE,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["target"]["hash"].as_str().expect("hash").to_owned()
    }
}

/// A multipart file part, as Bitbucket wants it (with a filename).
pub fn file(path: &str, bytes: impl Into<Vec<u8>>) -> (String, reqwest::multipart::Part) {
    let name = path.rsplit('/').next().unwrap_or(path).to_owned();
    (
        path.to_owned(),
        reqwest::multipart::Part::bytes(bytes.into()).file_name(name),
    )
}

pub fn form(
    fields: &[(&str, &str)],
    files: Vec<(String, reqwest::multipart::Part)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (path, part) in files {
        form = form.part(path, part);
    }
    form
}

/// The hash at the end of a `Location` header.
pub fn location_hash(response: &Response) -> String {
    let location = response
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ASCII");
    location.rsplit('/').next().expect("hash").to_owned()
}

/// Runs git and returns its stdout; panics with stderr on failure.
pub fn git(git_dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

pub fn git_text(git_dir: &Path, args: &[&str]) -> String {
    String::from_utf8(git(git_dir, args))
        .expect("UTF-8")
        .trim_end()
        .to_owned()
}

fn openapi() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        // Read at run time: a binary built from another clone sharing the target dir would
        // otherwise look in that clone.
        let path = Path::new(
            &std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
        )
        .join("../../shared/bitbucket/cloud-openapi.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).expect("cloud-openapi.json parses")
    })
}

/// The schema cloud-openapi.json gives for a JSON response, as a document that carries
/// the spec's components so `#/components/schemas/...` references resolve.
pub fn response_schema(path: &str, method: &str, status: u16) -> Value {
    let spec = openapi();
    let schema = spec["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"]
        .clone();
    assert!(
        !schema.is_null(),
        "the spec has no JSON schema for {method} {path} {status}"
    );
    json!({ "allOf": [schema], "components": spec["components"] })
}

pub fn component_schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}"), "components": openapi()["components"] })
}

/// The validation errors of `instance` against `schema` (empty when it conforms).
pub fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(schema)
        .expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Asserts that a response body conforms to what the spec says `method path` answers with
/// `status`.
pub fn assert_conforms(path: &str, method: &str, status: u16, body: &Value) {
    let errors = schema_errors(&response_schema(path, method, status), body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not conform:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Runs git in a working directory, never prompting.
pub fn git_in(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args)
        .output()
        .expect("git runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn clone(url: &str, into: &Path) -> Output {
    git_in(
        into.parent().expect("parent"),
        &["clone", "--quiet", url, &into.to_string_lossy()],
    )
}

/// Clones `acme/<slug>` with Basic `user:secret` into `<work>/<slug>`.
pub fn clone_as(sandbox: &Sandbox, slug: &str, user: &str, secret: &str, work: &Path) -> PathBuf {
    let authority = sandbox.running.url().trim_start_matches("http://");
    let checkout = work.join(slug);
    let output = clone(
        &format!("http://{user}:{secret}@{authority}/acme/{slug}.git"),
        &checkout,
    );
    assert!(output.status.success(), "clone: {}", stderr(&output));
    checkout
}

/// Writes a file, commits it and pushes to `origin` with `refspec`.
pub fn commit_and_push(checkout: &Path, path: &str, content: &str, refspec: &str) -> Output {
    commit_and_push_to(checkout, path, content, "origin", refspec)
}

pub fn commit_and_push_to(
    checkout: &Path,
    path: &str,
    content: &str,
    remote: &str,
    refspec: &str,
) -> Output {
    let file = checkout.join(path);
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, content).expect("write");
    let identity = [
        "-c",
        "user.name=Git User",
        "-c",
        "user.email=git@example.com",
    ];
    let added = git_in(checkout, &["add", "--", path]);
    assert!(added.status.success(), "add: {}", stderr(&added));
    let message = format!("Change {path}");
    let committed = git_in(
        checkout,
        &[&identity[..], &["commit", "--quiet", "-m", &message]].concat(),
    );
    assert!(committed.status.success(), "commit: {}", stderr(&committed));
    git_in(checkout, &["push", "--quiet", remote, refspec])
}
