//! Every implemented endpoint's responses, success and error, validated against the schema
//! cloud-openapi.json gives for that path, method and status.

use crate::common::*;
use serde_json::{json, Value};

const REPO: &str = "/repositories/{workspace}/{repo_slug}";

fn template(rest: &str) -> String {
    format!("{REPO}{rest}")
}

#[tokio::test]
async fn the_validator_rejects_what_the_spec_forbids() {
    // Without this, a validator that accepts everything would make every test below pass.
    let repository = component_schema("repository");
    assert!(schema_errors(
        &repository,
        &json!({ "type": "repository", "is_private": true })
    )
    .is_empty());
    assert!(
        !schema_errors(&repository, &json!({ "is_private": true })).is_empty(),
        "type is required"
    );
    assert!(!schema_errors(
        &repository,
        &json!({ "type": "repository", "links": { "bogus": {} } })
    )
    .is_empty());
    assert!(!schema_errors(
        &repository,
        &json!({ "type": "repository", "links": { "self": { "href": "not a uri" } } })
    )
    .is_empty());
    let error = response_schema("/user", "get", 401);
    assert!(!schema_errors(
        &error,
        &json!({ "type": "error", "error": { "fields": {} } })
    )
    .is_empty());
}

#[tokio::test]
async fn user_and_workspaces_conform() {
    let sandbox = Sandbox::start().await;
    let (status, user) = sandbox.get_json("/2.0/user", &ALICE).await;
    assert_eq!(status, 200);
    assert_conforms("/user", "get", 200, &user);
    assert_eq!(user["nickname"], "alice");
    assert_eq!(user["display_name"], "Alice Example");
    assert!(
        user.get("email").is_none(),
        "Bitbucket does not disclose the email"
    );

    let (status, error) = sandbox
        .get_json("/2.0/user", &Auth::Basic(ALICE_EMAIL, "wrong"))
        .await;
    assert_eq!(status, 401);
    assert_conforms("/user", "get", 401, &error);

    let (status, page) = sandbox.get_json("/2.0/user/workspaces", &ALICE).await;
    assert_eq!(status, 200);
    assert_conforms("/user/workspaces", "get", 200, &page);
    assert_eq!(page["values"][0]["workspace"]["slug"], "acme");
    assert_eq!(page["values"][0]["administrator"], true);

    let (status, error) = sandbox
        .get_json("/2.0/user/workspaces?pagelen=500", &ALICE)
        .await;
    assert_eq!(status, 400);
    assert_conforms("/user/workspaces", "get", 400, &error);
}

#[tokio::test]
async fn repositories_conform_and_page_with_next_links() {
    let sandbox = Sandbox::start().await;
    let mut url = sandbox.url("/2.0/repositories/acme?pagelen=1");
    let mut slugs = Vec::new();
    loop {
        let response = ALICE
            .apply(sandbox.http.get(&url))
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.expect("JSON");
        assert_conforms("/repositories/{workspace}", "get", 200, &page);
        assert_eq!(page["pagelen"], 1);
        slugs.extend(
            page["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|r| r["slug"].as_str().unwrap_or("").to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(slugs, ["backups", "docs", "empty", "legacy"]);

    let (status, error) = sandbox.get_json("/2.0/repositories/nowhere", &ALICE).await;
    assert_eq!(status, 404);
    assert_conforms("/repositories/{workspace}", "get", 404, &error);

    let (status, repo) = sandbox
        .get_json("/2.0/repositories/acme/legacy", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(REPO, "get", 200, &repo);
    assert_eq!(
        repo["mainbranch"],
        json!({ "type": "branch", "name": "master" })
    );
    assert_eq!(repo["full_name"], "acme/legacy");

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/missing", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(REPO, "get", 404, &error);
    assert_eq!(
        error["error"]["message"],
        "Repository acme/missing not found"
    );

    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/backups", &bob)
        .await;
    assert_eq!(status, 403);
    assert_conforms(REPO, "get", 403, &error);
}

#[tokio::test]
async fn branches_conform() {
    let sandbox = Sandbox::start().await;
    let (status, page) = sandbox
        .get_json("/2.0/repositories/acme/docs/refs/branches", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/refs/branches"), "get", 200, &page);
    assert_eq!(page["values"][0]["name"], "main");

    let (status, branch) = sandbox
        .get_json("/2.0/repositories/acme/docs/refs/branches/main", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/refs/branches/{name}"), "get", 200, &branch);

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/docs/refs/branches/nope", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(&template("/refs/branches/{name}"), "get", 404, &error);

    let (status, error) = sandbox
        .get_json(
            "/2.0/repositories/acme/docs/refs/branches",
            &Auth::Basic("bob", BOB_APP_PASSWORD),
        )
        .await;
    assert_eq!(
        status, 200,
        "a public repository is readable by anyone: {error}"
    );
    let (status, error) = sandbox
        .get_json(
            "/2.0/repositories/acme/backups/refs/branches",
            &Auth::Basic("bob", BOB_APP_PASSWORD),
        )
        .await;
    assert_eq!(status, 403);
    assert_conforms(&template("/refs/branches"), "get", 403, &error);
}

#[tokio::test]
async fn branch_creation_conforms() {
    let sandbox = Sandbox::start().await;
    let branches = "/2.0/repositories/acme/docs/refs/branches";
    let tip = sandbox.tip("acme", "docs", "main").await;
    let post = |auth: &Auth, body: Value| {
        auth.apply(sandbox.http.post(sandbox.url(branches)))
            .json(&body)
            .send()
    };
    // The spec lists no 400 for this endpoint; the body is still Bitbucket's error object.
    let refused = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.expect("JSON");
        let errors = schema_errors(&component_schema("error"), &error);
        assert!(errors.is_empty(), "{errors:?}\n{error:#}");
        error["error"]["message"]
            .as_str()
            .expect("message")
            .to_owned()
    };

    let app_password = Auth::Basic("alice", APP_PASSWORD_RW);
    for (name, auth) in [("feature/sync", &ALICE), ("release-1", &app_password)] {
        let response = post(
            auth,
            json!({ "name": name, "target": { "hash": &tip[..12] } }),
        )
        .await
        .expect("POST");
        assert_eq!(response.status(), 201);
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .expect("Location")
            .to_owned();
        let branch: Value = response.json().await.expect("JSON");
        assert_conforms(&template("/refs/branches"), "post", 201, &branch);
        assert_eq!(branch["type"], "branch");
        assert_eq!(branch["name"], name);
        assert_eq!(branch["target"]["hash"], tip.as_str());
        assert_eq!(
            location,
            branch["links"]["self"]["href"].as_str().expect("self")
        );
        // Location is where GET answers with the same branch.
        let read = ALICE
            .apply(sandbox.http.get(&location))
            .send()
            .await
            .expect("GET Location");
        assert_eq!(read.status(), 200);
        assert_eq!(read.json::<Value>().await.expect("JSON"), branch);
    }
    let bare = sandbox.bare_repo("acme", "docs");
    assert_eq!(
        git_text(&bare, &["rev-parse", "refs/heads/feature/sync"]),
        tip
    );

    let (status, page) = sandbox
        .get_json(&format!("{branches}?sort=name"), &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/refs/branches"), "get", 200, &page);
    let names: Vec<&str> = page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|b| b["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["feature/sync", "main", "release-1"]);

    // A branch name may also be given as target, as in the spec's example.
    let response = post(
        &ALICE,
        json!({ "name": "from-main", "target": { "hash": "main" } }),
    )
    .await
    .expect("POST");
    assert_eq!(response.status(), 201);

    let message = refused(
        post(&ALICE, json!({ "name": "main", "target": { "hash": tip } }))
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(message, "name: Branch main already exists");
    assert_eq!(
        git_text(&bare, &["rev-parse", "refs/heads/main"]),
        tip,
        "the existing branch is untouched"
    );
    let message = refused(
        post(
            &ALICE,
            json!({ "name": "feature", "target": { "hash": tip } }),
        )
        .await
        .expect("POST"),
    )
    .await;
    assert_eq!(
        message,
        "name: Branch feature conflicts with the existing branch feature/sync"
    );
    let message = refused(
        post(
            &ALICE,
            json!({ "name": "new", "target": { "hash": "0123456789abcdef" } }),
        )
        .await
        .expect("POST"),
    )
    .await;
    assert_eq!(message, "target.hash: Commit not found: 0123456789abcdef");
    for bad in [
        "bad..name",
        "HEAD",
        "-x",
        "a b",
        "x@{1}",
        "refs/heads/",
        "ends.lock",
    ] {
        let message = refused(
            post(&ALICE, json!({ "name": bad, "target": { "hash": tip } }))
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(message, format!("name: Invalid branch name: {bad}"));
    }
    let message = refused(
        post(&ALICE, json!({ "target": { "hash": tip } }))
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(message, "name: This field is required.");
    let message = refused(
        post(&ALICE, json!({ "name": "no-target" }))
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(message, "target.hash: This field is required.");

    for (auth, why) in [
        (
            Auth::Basic(ALICE_EMAIL, API_TOKEN_READ),
            "read-only API token",
        ),
        (
            Auth::Basic("alice", APP_PASSWORD_READ),
            "read-only app password",
        ),
        (Auth::Basic("bob", BOB_APP_PASSWORD), "not in the workspace"),
    ] {
        let response = post(
            &auth,
            json!({ "name": "refused", "target": { "hash": tip } }),
        )
        .await
        .expect("POST");
        assert_eq!(response.status(), 403, "{why}");
        assert_conforms(
            &template("/refs/branches"),
            "post",
            403,
            &response.json().await.expect("JSON"),
        );
    }
    let response = sandbox
        .http
        .post(sandbox.url(branches))
        .json(&json!({ "name": "anonymous", "target": { "hash": tip } }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 401, "anonymous");
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/missing/refs/branches")),
        )
        .json(&json!({ "name": "x", "target": { "hash": tip } }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 404);
    assert_conforms(
        &template("/refs/branches"),
        "post",
        404,
        &response.json().await.expect("JSON"),
    );
    assert!(
        git_text(
            &bare,
            &["for-each-ref", "--format=%(refname)", "refs/heads"]
        )
        .lines()
        .all(|r| !r.contains("refused") && !r.contains("anonymous")),
        "refused requests created nothing"
    );
}

#[tokio::test]
async fn commits_conform() {
    let sandbox = Sandbox::start().await;
    for n in 0..3 {
        let response = sandbox
            .commit(
                "acme",
                "docs",
                &ALICE,
                form(
                    &[("message", &format!("change {n}"))],
                    vec![file("n.txt", n.to_string())],
                ),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let (status, page) = sandbox
        .get_json("/2.0/repositories/acme/docs/commits/main?pagelen=2", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/commits/{revision}"), "get", 200, &page);
    assert_eq!(page["values"][0]["message"], "change 2");
    assert_eq!(page["values"][1]["message"], "change 1");
    let next = page["next"].as_str().expect("a next page");
    let second: Value = ALICE
        .apply(sandbox.http.get(next))
        .send()
        .await
        .expect("next")
        .json()
        .await
        .expect("JSON");
    assert_conforms(&template("/commits/{revision}"), "get", 200, &second);
    assert_eq!(second["values"][0]["message"], "change 0");
    assert_eq!(second["values"][1]["message"], "Initial commit\n");
    assert!(second.get("next").is_none());

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/docs/commits/0000000", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(&template("/commits/{revision}"), "get", 404, &error);

    let hash = page["values"][0]["hash"].as_str().expect("hash");
    let (status, commit) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/commit/{hash}"),
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/commit/{commit}"), "get", 200, &commit);
    assert_eq!(commit["author"]["raw"], "Alice Example <alice@example.com>");
    assert_eq!(commit["author"]["user"]["nickname"], "alice");

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/docs/commit/deadbeef", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(&template("/commit/{commit}"), "get", 404, &error);
}

#[tokio::test]
async fn source_listings_and_meta_conform() {
    let sandbox = Sandbox::start().await;
    let src = template("/src/{commit}/{path}");
    let (status, root) = sandbox
        .get_json("/2.0/repositories/acme/docs/src/main/", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&src, "get", 200, &root);
    let entries: Vec<(&str, &str)> = root["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or(""),
                e["path"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [("commit_file", "README.md"), ("commit_directory", "guide")]
    );

    let (status, listing) = sandbox
        .get_json("/2.0/repositories/acme/docs/src/main/guide", &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&src, "get", 200, &listing);
    assert_eq!(listing["values"][0]["path"], "guide/intro.md");

    let (status, meta) = sandbox
        .get_json(
            "/2.0/repositories/acme/docs/src/main/guide/intro.md?format=meta",
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    let errors = schema_errors(&component_schema("commit_file"), &meta);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(meta["type"], "commit_file");
    assert_eq!(meta["size"], 6);
    let tip = sandbox.tip("acme", "docs", "main").await;
    assert_eq!(
        meta["commit"]["hash"],
        tip.as_str(),
        "a branch is resolved to its commit"
    );

    let (status, meta) = sandbox
        .get_json(
            "/2.0/repositories/acme/docs/src/main/guide?format=meta",
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    assert!(schema_errors(&component_schema("treeentry"), &meta).is_empty());
    assert_eq!(meta["type"], "commit_directory");

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/docs/src/main/missing.json", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(&src, "get", 404, &error);
    assert_eq!(
        error["error"]["message"],
        "No such file or directory: missing.json"
    );

    let raw = sandbox
        .get(
            "/2.0/repositories/acme/docs/src/main/guide/intro.md",
            &ALICE,
        )
        .await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.bytes().await.expect("bytes").as_ref(), b"Hello\n");
}

#[tokio::test]
async fn commit_upload_errors_conform() {
    let sandbox = Sandbox::start().await;
    let src = template("/src");
    let read_only = Auth::Basic(ALICE_EMAIL, API_TOKEN_READ);
    let response = sandbox.commit_file("docs", &read_only, "a.txt", "a").await;
    assert_eq!(response.status(), 403);
    assert_conforms(&src, "post", 403, &response.json().await.expect("JSON"));

    let response = sandbox.commit_file("nope", &ALICE, "a.txt", "a").await;
    assert_eq!(response.status(), 404);
    assert_conforms(&src, "post", 404, &response.json().await.expect("JSON"));

    let response = sandbox.commit_file("docs", &ALICE, "a.txt", "a").await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("location").is_some());
    assert!(
        response.bytes().await.expect("body").is_empty(),
        "201 has an empty body"
    );
}

#[tokio::test]
async fn uuids_stand_for_slugs() {
    let sandbox = Sandbox::start().await;
    let (_, repo) = sandbox
        .get_json("/2.0/repositories/acme/docs", &ALICE)
        .await;
    let workspace_uuid = repo["workspace"]["uuid"]
        .as_str()
        .expect("workspace uuid")
        .to_owned();
    let repo_uuid = repo["uuid"].as_str().expect("repo uuid").to_owned();
    let encoded = |u: &str| u.replace('{', "%7B").replace('}', "%7D");
    let path = format!(
        "/2.0/repositories/{}/{}",
        encoded(&workspace_uuid),
        encoded(&repo_uuid)
    );
    let (status, by_uuid) = sandbox.get_json(&path, &ALICE).await;
    assert_eq!(status, 200);
    assert_eq!(by_uuid["full_name"], "acme/docs");
}

#[tokio::test]
async fn tags_conform() {
    let sandbox = Sandbox::start().await;
    let tags = "/2.0/repositories/acme/docs/refs/tags";
    let tip = sandbox.tip("acme", "docs", "main").await;
    let post = |body: Value| {
        ALICE
            .apply(sandbox.http.post(sandbox.url(tags)))
            .json(&body)
            .send()
    };
    for name in ["v10", "v9", "release/1.0"] {
        let response = post(json!({ "name": name, "target": { "hash": &tip[..12] } }))
            .await
            .expect("POST");
        assert_eq!(response.status(), 201);
        assert!(response.headers().get("location").is_some());
        let tag: Value = response.json().await.expect("JSON");
        assert_conforms(&template("/refs/tags"), "post", 201, &tag);
        assert_eq!(tag["type"], "tag");
        assert_eq!(tag["name"], name);
        assert_eq!(tag["target"]["hash"], tip.as_str());
        assert_eq!(
            tag["message"],
            format!("Added tag {name} for changeset {}\n", &tip[..12])
        );
        assert_eq!(tag["tagger"]["raw"], "Alice Example <alice@example.com>");
    }
    // The annotated tag is a real one: git sees it with its message.
    let bare = sandbox.bare_repo("acme", "docs");
    assert_eq!(git_text(&bare, &["cat-file", "-t", "v9"]), "tag");
    assert_eq!(git_text(&bare, &["rev-parse", "v9^{commit}"]), tip);

    let (status, page) = sandbox.get_json(tags, &ALICE).await;
    assert_eq!(status, 200);
    assert_conforms(&template("/refs/tags"), "get", 200, &page);
    let names: Vec<&str> = page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["release/1.0", "v10", "v9"], "git tag --list order");
    let (_, filtered) = sandbox
        .get_json(&format!("{tags}?q=name%20~%20%22v%22&pagelen=1"), &ALICE)
        .await;
    assert_eq!(filtered["size"], 2);
    assert_conforms(&template("/refs/tags"), "get", 200, &filtered);
    assert!(filtered["next"].is_string());

    let (status, tag) = sandbox
        .get_json(&format!("{tags}/release/1.0"), &ALICE)
        .await;
    assert_eq!(status, 200);
    assert_conforms(&template("/refs/tags/{name}"), "get", 200, &tag);
    let (status, error) = sandbox.get_json(&format!("{tags}/v404"), &ALICE).await;
    assert_eq!(status, 404);
    assert_conforms(&template("/refs/tags/{name}"), "get", 404, &error);
    assert_eq!(error["error"]["message"], "Tag \"v404\" does not exist.");

    let response = post(json!({ "name": "v9", "target": { "hash": tip } }))
        .await
        .expect("POST");
    assert_eq!(response.status(), 400, "an existing tag");
    let error: Value = response.json().await.expect("JSON");
    assert_conforms(&template("/refs/tags"), "post", 400, &error);
    assert_eq!(error["error"]["message"], "name: Tag v9 already exists");
    let response = post(json!({ "name": "release", "target": { "hash": tip } }))
        .await
        .expect("POST");
    assert_eq!(response.status(), 400, "a tag clashing with release/1.0");
    let error: Value = response.json().await.expect("JSON");
    assert_conforms(&template("/refs/tags"), "post", 400, &error);
    assert_eq!(
        error["error"]["message"],
        "name: Tag release conflicts with the existing tag release/1.0"
    );
    let response = post(json!({ "name": "v11", "target": { "hash": "0123456789abcdef" } }))
        .await
        .expect("POST");
    assert_eq!(response.status(), 400, "an unknown commit");
    let error: Value = response.json().await.expect("JSON");
    assert_conforms(&template("/refs/tags"), "post", 400, &error);
    let response = post(json!({ "name": "bad..name", "target": { "hash": tip } }))
        .await
        .expect("POST");
    assert_eq!(response.status(), 400, "an invalid name");

    let read_only = Auth::Basic(ALICE_EMAIL, API_TOKEN_READ);
    let response = read_only
        .apply(sandbox.http.delete(sandbox.url(&format!("{tags}/v9"))))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 403);
    assert_conforms(
        &template("/refs/tags/{name}"),
        "delete",
        403,
        &response.json().await.expect("JSON"),
    );
    let response = ALICE
        .apply(sandbox.http.delete(sandbox.url(&format!("{tags}/v9"))))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 204);
    let response = ALICE
        .apply(sandbox.http.delete(sandbox.url(&format!("{tags}/v9"))))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 404);
    assert_conforms(
        &template("/refs/tags/{name}"),
        "delete",
        404,
        &response.json().await.expect("JSON"),
    );
}

#[tokio::test]
async fn webhooks_conform() {
    let sandbox = Sandbox::start().await;
    let hooks = "/2.0/repositories/acme/backups/hooks";
    let response = ALICE
        .apply(sandbox.http.post(sandbox.url(hooks)))
        .json(&json!({ "url": "http://127.0.0.1:9/hook", "description": "Ferry", "events": ["repo:push"], "secret": "s" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 201);
    let hook: Value = response.json().await.expect("JSON");
    assert_conforms(&template("/hooks"), "post", 201, &hook);
    let uuid = hook["uuid"].as_str().expect("uuid");
    assert!(uuid.starts_with('{') && uuid.ends_with('}'), "{uuid}");
    assert_eq!(hook["subject_type"], "repository");
    assert_eq!(hook["active"], true);
    assert_eq!(hook["secret_set"], true);
    assert!(hook.get("secret").is_none());

    let (status, page) = sandbox.get_json(hooks, &ALICE).await;
    assert_eq!(status, 200);
    assert_conforms(&template("/hooks"), "get", 200, &page);
    assert_eq!(page["values"][0]["uuid"], uuid);

    let one = format!("{hooks}/{}", uuid.replace('{', "%7B").replace('}', "%7D"));
    let (status, got) = sandbox.get_json(&one, &ALICE).await;
    assert_eq!(status, 200);
    assert_conforms(&template("/hooks/{uid}"), "get", 200, &got);
    let bare = format!("{hooks}/{}", uuid.trim_matches(['{', '}']));
    assert_eq!(
        sandbox.get_json(&bare, &ALICE).await.0,
        200,
        "braces optional"
    );

    let response = ALICE
        .apply(sandbox.http.put(sandbox.url(&one)))
        .json(&json!({ "description": "Ferry sync", "secret": null, "events": ["repo:push", "repo:updated"] }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.expect("JSON");
    assert_conforms(&template("/hooks/{uid}"), "put", 200, &updated);
    assert_eq!(updated["description"], "Ferry sync");
    assert_eq!(updated["secret_set"], false);
    assert_eq!(updated["url"], "http://127.0.0.1:9/hook", "unchanged");
    assert_eq!(updated["events"], json!(["repo:push", "repo:updated"]));

    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    let (status, error) = sandbox.get_json(hooks, &bob).await;
    assert_eq!(status, 403);
    assert_conforms(&template("/hooks"), "get", 403, &error);
    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/nope/hooks", &ALICE)
        .await;
    assert_eq!(status, 404);
    assert_conforms(&template("/hooks"), "get", 404, &error);

    let response = ALICE
        .apply(sandbox.http.delete(sandbox.url(&one)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 204);
    let (status, error) = sandbox.get_json(&one, &ALICE).await;
    assert_eq!(status, 404);
    assert_conforms(&template("/hooks/{uid}"), "get", 404, &error);
    let response = ALICE
        .apply(sandbox.http.delete(sandbox.url(&one)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 404);
    assert_conforms(
        &template("/hooks/{uid}"),
        "delete",
        404,
        &response.json().await.expect("JSON"),
    );
}

#[tokio::test]
async fn diffstat_conforms() {
    let sandbox = Sandbox::start().await;
    let base = sandbox.tip("acme", "docs", "main").await;
    let response = sandbox
        .commit(
            "acme",
            "docs",
            &ALICE,
            form(
                &[("files", "README.md")],
                vec![
                    file("guide/intro.md", "Hello\nWorld\n"),
                    file("specs/api.yaml", "a: 1\nb: 2\n"),
                ],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let head = location_hash(&response);
    let diffstat = template("/diffstat/{spec}");

    let (status, page) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/{head}"),
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    assert_conforms(&diffstat, "get", 200, &page);
    assert_eq!(page["pagelen"], 500);
    let summary: Vec<(String, String, u64, u64)> = page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            let path = v["new"]["path"].as_str().or(v["old"]["path"].as_str());
            (
                v["status"].as_str().unwrap_or("").to_owned(),
                path.unwrap_or("").to_owned(),
                v["lines_added"].as_u64().unwrap_or(99),
                v["lines_removed"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("removed".to_owned(), "README.md".to_owned(), 0, 1),
            ("modified".to_owned(), "guide/intro.md".to_owned(), 1, 0),
            ("added".to_owned(), "specs/api.yaml".to_owned(), 2, 0),
        ]
    );
    let removed = &page["values"][0];
    assert!(removed.get("new").is_none() && removed["old"]["type"] == "commit_file");

    // `source..destination`: what the branch tip brings over the base, the same here.
    let (status, range) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/main..{base}?pagelen=1"),
            &ALICE,
        )
        .await;
    assert_eq!(status, 200);
    assert_conforms(&diffstat, "get", 200, &range);
    assert_eq!(range["size"], 3);
    assert_eq!(range["values"][0]["status"], "removed");
    assert!(range["next"].is_string());
    let (_, reversed) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/{base}..main?topic=false"),
            &ALICE,
        )
        .await;
    assert_eq!(
        reversed["values"][0]["status"], "added",
        "README.md comes back"
    );

    // A rename is one entry.
    let bare = sandbox.bare_repo("acme", "docs");
    let response = sandbox
        .commit(
            "acme",
            "docs",
            &ALICE,
            form(
                &[("files", "specs/api.yaml")],
                vec![file("specs/openapi.yaml", "a: 1\nb: 2\n")],
            ),
        )
        .await;
    let renamed = location_hash(&response);
    let (_, page) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/{renamed}"),
            &ALICE,
        )
        .await;
    assert_conforms(&diffstat, "get", 200, &page);
    assert_eq!(page["values"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["values"][0]["status"], "renamed");
    assert_eq!(page["values"][0]["old"]["path"], "specs/api.yaml");
    assert_eq!(page["values"][0]["new"]["path"], "specs/openapi.yaml");
    let (_, page) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/{renamed}?renames=false&path=specs/openapi.yaml"),
            &ALICE,
        )
        .await;
    assert_eq!(page["values"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["values"][0]["status"], "added");

    // The root commit is compared with the empty tree.
    let root = git_text(&bare, &["rev-list", "--max-parents=0", "main"]);
    let (_, page) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/diffstat/{root}"),
            &ALICE,
        )
        .await;
    assert_conforms(&diffstat, "get", 200, &page);
    assert_eq!(page["size"], 2);

    let (status, error) = sandbox
        .get_json("/2.0/repositories/acme/docs/diffstat/deadbeef", &ALICE)
        .await;
    assert_eq!(status, 404);
    let errors = schema_errors(&component_schema("error"), &error);
    assert!(errors.is_empty(), "{errors:?}");
}
