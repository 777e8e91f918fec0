//! Credentials as Bitbucket takes them in 2026, scopes, and who may see what.

use crate::common::*;

async fn status(sandbox: &Sandbox, path: &str, auth: &Auth) -> u16 {
    sandbox.get(path, auth).await.status().as_u16()
}

#[tokio::test]
async fn api_tokens_work_with_the_email_only() {
    let sandbox = Sandbox::start().await;
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Basic(ALICE_EMAIL, API_TOKEN_RW)
        )
        .await,
        200
    );
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Basic("ALICE@example.com", API_TOKEN_RW)
        )
        .await,
        200,
        "emails compare case-insensitively"
    );
    let with_username = sandbox
        .get("/2.0/user", &Auth::Basic("alice", API_TOKEN_RW))
        .await;
    assert_eq!(with_username.status(), 401);
    assert_eq!(
        with_username.headers()["www-authenticate"],
        "Basic realm=\"Bitbucket.org HTTP\""
    );
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Bearer(API_TOKEN_RW.to_owned())
        )
        .await,
        401,
        "API tokens are not Bearer tokens"
    );
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Basic("bob@example.com", API_TOKEN_RW)
        )
        .await,
        401,
        "another user's email"
    );
}

#[tokio::test]
async fn expired_api_tokens_are_rejected() {
    let sandbox = Sandbox::start().await;
    let (code, body) = sandbox
        .get_json("/2.0/user", &Auth::Basic(ALICE_EMAIL, API_TOKEN_EXPIRED))
        .await;
    assert_eq!(code, 401);
    assert_eq!(body["error"]["message"], "Token expired.");
}

#[tokio::test]
async fn app_passwords_work_with_the_username_only() {
    let sandbox = Sandbox::start().await;
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Basic("alice", APP_PASSWORD_RW)
        )
        .await,
        200
    );
    assert_eq!(
        status(
            &sandbox,
            "/2.0/user",
            &Auth::Basic(ALICE_EMAIL, APP_PASSWORD_RW)
        )
        .await,
        401
    );
    assert_eq!(
        status(&sandbox, "/2.0/user", &Auth::Basic("alice", "wrong")).await,
        401
    );
}

#[tokio::test]
async fn access_tokens_are_bearer_and_act_as_their_user() {
    let sandbox = Sandbox::start().await;
    let bearer = Auth::Bearer(ACCESS_TOKEN.to_owned());
    assert_eq!(
        status(&sandbox, "/2.0/repositories/acme/backups", &bearer).await,
        200
    );
    let response = sandbox.commit_file("backups", &bearer, "t.txt", "t").await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let author = git_text(
        &sandbox.bare_repo("acme", "backups"),
        &["log", "-1", "--format=%ae", &hash],
    );
    assert_eq!(author, ALICE_EMAIL);
    assert_eq!(
        status(&sandbox, "/2.0/user", &bearer).await,
        403,
        "repository:write does not include account"
    );
    assert_eq!(
        status(&sandbox, "/2.0/user", &Auth::Bearer("nonsense".to_owned())).await,
        401
    );
}

#[tokio::test]
async fn read_scopes_cannot_write() {
    let sandbox = Sandbox::start().await;
    for auth in [
        Auth::Basic(ALICE_EMAIL, API_TOKEN_READ),
        Auth::Basic("alice", APP_PASSWORD_READ),
    ] {
        assert_eq!(
            status(&sandbox, "/2.0/repositories/acme/backups", &auth).await,
            200,
            "{auth:?}"
        );
        let response = sandbox.commit_file("backups", &auth, "w.txt", "w").await;
        assert_eq!(response.status(), 403, "{auth:?}");
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(
            body["error"]["message"],
            "Your credentials lack one or more required privilege scopes."
        );
    }
}

#[tokio::test]
async fn granular_scopes_do_not_imply_each_other() {
    let sandbox = Sandbox::start().await;
    let write_only = Auth::Basic(ALICE_EMAIL, API_TOKEN_WRITE_ONLY);
    assert_eq!(
        status(&sandbox, "/2.0/repositories/acme/backups", &write_only).await,
        403
    );
    assert_eq!(status(&sandbox, "/2.0/user", &write_only).await, 403);
    assert_eq!(
        status(&sandbox, "/2.0/user/workspaces", &write_only).await,
        403
    );
    let response = sandbox
        .commit_file("backups", &write_only, "w.txt", "w")
        .await;
    assert_eq!(response.status(), 201);
    let (code, body) = sandbox
        .get_json("/2.0/user", &Auth::Basic("alice", APP_PASSWORD_READ))
        .await;
    assert_eq!(code, 403);
    assert_eq!(
        body["error"]["detail"],
        "required: account; granted: repository"
    );
}

#[tokio::test]
async fn private_repositories_need_membership_public_ones_do_not() {
    let sandbox = Sandbox::start().await;
    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    assert_eq!(
        status(&sandbox, "/2.0/repositories/acme/backups", &Auth::None).await,
        401
    );
    assert_eq!(
        status(&sandbox, "/2.0/repositories/acme/backups", &bob).await,
        403
    );
    assert_eq!(
        status(&sandbox, "/2.0/repositories/acme/docs", &Auth::None).await,
        200
    );
    assert_eq!(
        status(
            &sandbox,
            "/2.0/repositories/acme/docs/src/main/README.md",
            &bob
        )
        .await,
        200
    );
    let response = sandbox.commit_file("docs", &bob, "b.txt", "b").await;
    assert_eq!(
        response.status(),
        403,
        "reading a public repository is not writing to it"
    );
    let response = sandbox.commit_file("docs", &Auth::None, "b.txt", "b").await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn repository_lists_follow_role_and_query() {
    let sandbox = Sandbox::start().await;
    let slugs = |page: serde_json::Value| -> Vec<String> {
        page["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|r| r["slug"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (_, mine) = sandbox
        .get_json("/2.0/repositories/acme?role=contributor", &ALICE)
        .await;
    assert_eq!(slugs(mine), ["backups", "docs", "empty", "legacy"]);
    let bob = Auth::Basic("bob", BOB_APP_PASSWORD);
    let (_, visible) = sandbox.get_json("/2.0/repositories/acme", &bob).await;
    assert_eq!(
        slugs(visible),
        ["docs"],
        "outsiders see public repositories"
    );
    let (_, writable) = sandbox
        .get_json("/2.0/repositories/acme?role=contributor", &bob)
        .await;
    assert_eq!(slugs(writable), Vec::<String>::new());
    let (_, found) = sandbox
        .get_json(
            "/2.0/repositories/acme?q=name~%22ACK%22%20or%20slug%3D%22legacy%22&sort=-name",
            &ALICE,
        )
        .await;
    assert_eq!(slugs(found), ["legacy", "backups"]);
    let (code, _) = sandbox
        .get_json("/2.0/repositories/acme?q=name%20%3E%3E%3E", &ALICE)
        .await;
    assert_eq!(code, 400);
    let (code, _) = sandbox
        .get_json("/2.0/repositories/acme?role=king", &ALICE)
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn branch_queries_filter_by_name() {
    let sandbox = Sandbox::start().await;
    for branch in ["feature/a", "feature/b", "release"] {
        let response = sandbox
            .commit(
                "acme",
                "backups",
                &ALICE,
                form(
                    &[("branch", branch)],
                    vec![file(&format!("{branch}.txt"), branch)],
                ),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let (_, page) = sandbox
        .get_json(
            "/2.0/repositories/acme/backups/refs/branches?q=name~%22feature%22&sort=-name",
            &ALICE,
        )
        .await;
    let names: Vec<&str> = page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|b| b["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["feature/b", "feature/a"]);
    let (code, branch) = sandbox
        .get_json(
            "/2.0/repositories/acme/backups/refs/branches/feature/a",
            &ALICE,
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(branch["name"], "feature/a");
}
