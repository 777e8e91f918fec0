//! `POST …/src`: the branch rules, deletes, multi-file commits and what git records,
//! checked with the git CLI on the bare repository.

use crate::common::*;

#[tokio::test]
async fn multi_file_commit_records_author_message_parent_and_exact_bytes() {
    let sandbox = Sandbox::start().await;
    let parent = sandbox.tip("acme", "backups", "main").await;
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let response = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(
                &[
                    ("message", "Back up two collections"),
                    ("author", "Ferry Bot <ferry@example.com>"),
                    ("parents", &parent),
                ],
                vec![
                    file("/collections/a.json", "{\"a\":1}\r\n"),
                    file("collections/b.bin", binary.clone()),
                ],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let location = response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_eq!(
        location,
        sandbox.url(&format!("/2.0/repositories/acme/backups/commit/{hash}"))
    );

    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(git_text(&repo, &["rev-parse", "refs/heads/main"]), hash);
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%an <%ae>|%B", &hash]),
        "Ferry Bot <ferry@example.com>|Back up two collections"
    );
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%P", &hash]),
        parent
    );
    assert_eq!(
        git(
            &repo,
            &["cat-file", "blob", &format!("{hash}:collections/a.json")]
        ),
        b"{\"a\":1}\r\n"
    );
    assert_eq!(
        git(
            &repo,
            &["cat-file", "blob", &format!("{hash}:collections/b.bin")]
        ),
        binary
    );
    assert_eq!(
        git_text(&repo, &["rev-list", "--count", &hash]),
        "2",
        "one commit for both files"
    );
    let files = git_text(&repo, &["ls-tree", "-r", "--name-only", &hash]);
    assert_eq!(
        files, "README.md\ncollections/a.json\ncollections/b.bin",
        "unmentioned paths carry over"
    );
}

#[tokio::test]
async fn default_author_is_the_caller_and_message_is_canned() {
    let sandbox = Sandbox::start().await;
    let response = sandbox.commit_file("backups", &ALICE, "x.txt", "x").await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%an <%ae>|%B", &hash]),
        "Alice Example <alice@example.com>|Edited online with Bitbucket"
    );
}

#[tokio::test]
async fn urlencoded_upload_commits_files() {
    let sandbox = Sandbox::start().await;
    let body = "message=Urlencoded&%2Fmessage=a+file+named+message&notes%2Ftodo.txt=buy+milk";
    let response = ALICE
        .apply(
            sandbox
                .http
                .post(sandbox.url("/2.0/repositories/acme/backups/src")),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%B", &hash]),
        "Urlencoded"
    );
    assert_eq!(
        git(&repo, &["cat-file", "blob", &format!("{hash}:message")]),
        b"a file named message"
    );
    assert_eq!(
        git(
            &repo,
            &["cat-file", "blob", &format!("{hash}:notes/todo.txt")]
        ),
        b"buy milk"
    );
}

#[tokio::test]
async fn files_without_a_part_are_deleted_in_the_same_commit() {
    let sandbox = Sandbox::start().await;
    let first = sandbox.commit_file("docs", &ALICE, "old.txt", "old").await;
    assert_eq!(first.status(), 201);
    let response = sandbox
        .commit(
            "acme",
            "docs",
            &ALICE,
            form(
                &[("files", "old.txt"), ("files", "/guide/intro.md")],
                vec![file("new.txt", "new")],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let repo = sandbox.bare_repo("acme", "docs");
    assert_eq!(
        git_text(&repo, &["ls-tree", "-r", "--name-only", &hash]),
        "README.md\nnew.txt"
    );
    let (status, _) = sandbox
        .get_json(
            &format!("/2.0/repositories/acme/docs/src/{hash}/old.txt?format=meta"),
            &ALICE,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_new_branch_starts_from_main_without_moving_it() {
    let sandbox = Sandbox::start().await;
    let main_before = sandbox.tip("acme", "backups", "main").await;
    let response = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(&[("branch", "feature/sync")], vec![file("f.txt", "f")]),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    assert_eq!(sandbox.tip("acme", "backups", "feature/sync").await, hash);
    assert_eq!(sandbox.tip("acme", "backups", "main").await, main_before);
    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%P", &hash]),
        main_before
    );
}

#[tokio::test]
async fn a_new_branch_starts_from_the_given_parent() {
    let sandbox = Sandbox::start().await;
    let root = sandbox.tip("acme", "backups", "main").await;
    let advanced = sandbox.commit_file("backups", &ALICE, "m.txt", "m").await;
    assert_eq!(advanced.status(), 201);
    let response = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(
                &[("branch", "from-root"), ("parents", &root)],
                vec![file("r.txt", "r")],
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(git_text(&repo, &["log", "-1", "--format=%P", &hash]), root);
    assert_eq!(
        git_text(&repo, &["ls-tree", "-r", "--name-only", &hash]),
        "README.md\nr.txt"
    );
}

#[tokio::test]
async fn a_stale_parent_is_a_409_and_changes_nothing() {
    let sandbox = Sandbox::start().await;
    let old = sandbox.tip("acme", "backups", "main").await;
    let moved = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(&[("parents", &old)], vec![file("1.txt", "1")]),
        )
        .await;
    assert_eq!(moved.status(), 201);
    let tip = location_hash(&moved);
    for fields in [
        vec![("parents", old.as_str())],
        vec![("parents", old.as_str()), ("branch", "main")],
    ] {
        let response = sandbox
            .commit(
                "acme",
                "backups",
                &ALICE,
                form(&fields, vec![file("2.txt", "2")]),
            )
            .await;
        assert_eq!(response.status(), 409, "{fields:?}");
        let body: serde_json::Value = response.json().await.expect("JSON error");
        assert_eq!(body["type"], "error");
    }
    assert_eq!(sandbox.tip("acme", "backups", "main").await, tip);
}

#[tokio::test]
async fn an_unknown_parent_is_a_400() {
    let sandbox = Sandbox::start().await;
    let missing = "1234567890123456789012345678901234567890";
    let response = sandbox
        .commit(
            "acme",
            "backups",
            &ALICE,
            form(&[("parents", missing)], vec![file("a", "a")]),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(
        body["error"]["message"],
        format!("parents: Commit not found: {missing}")
    );
}

#[tokio::test]
async fn concurrent_commits_on_one_parent_let_exactly_one_win() {
    let sandbox = Sandbox::start().await;
    let parent = sandbox.tip("acme", "backups", "main").await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..12 {
        let fields = [("parents", parent.as_str())];
        let request = sandbox.commit_request(
            "acme",
            "backups",
            &ALICE,
            form(&fields, vec![file(&format!("c{n}.txt"), n.to_string())]),
        );
        attempts.spawn(async move { request.send().await.expect("POST").status().as_u16() });
    }
    let statuses: Vec<u16> = attempts.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        11,
        "{statuses:?}"
    );
    let repo = sandbox.bare_repo("acme", "backups");
    assert_eq!(
        git_text(&repo, &["rev-list", "--count", "refs/heads/main"]),
        "2"
    );
}

#[tokio::test]
async fn an_empty_repository_takes_a_root_commit_and_its_branch_becomes_main() {
    let sandbox = Sandbox::start().await;
    let (_, page) = sandbox
        .get_json("/2.0/repositories/acme/empty/commits", &ALICE)
        .await;
    assert_eq!(page["values"], serde_json::json!([]));
    let response = sandbox
        .commit(
            "acme",
            "empty",
            &ALICE,
            form(&[("branch", "trunk")], vec![file("first.txt", "1")]),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = location_hash(&response);
    let repo = sandbox.bare_repo("acme", "empty");
    assert_eq!(
        git_text(&repo, &["log", "-1", "--format=%P", &hash]),
        "",
        "a root commit has no parents"
    );
    assert_eq!(
        git_text(&repo, &["symbolic-ref", "HEAD"]),
        "refs/heads/trunk"
    );
    let (_, repository) = sandbox
        .get_json("/2.0/repositories/acme/empty", &ALICE)
        .await;
    assert_eq!(repository["mainbranch"]["name"], "trunk");
}

#[tokio::test]
async fn identical_content_makes_no_empty_commit() {
    let sandbox = Sandbox::start().await;
    let tip = sandbox.tip("acme", "docs", "main").await;
    let response = sandbox
        .commit_file("docs", &ALICE, "README.md", "# Docs\n")
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(location_hash(&response), tip);
    assert_eq!(sandbox.tip("acme", "docs", "main").await, tip);
}

#[tokio::test]
async fn invalid_paths_authors_and_branches_are_400() {
    let sandbox = Sandbox::start().await;
    let cases = [
        (form(&[], vec![file("../escape.txt", "x")]), "files"),
        (
            form(&[("author", "no email here")], vec![file("a.txt", "x")]),
            "author",
        ),
        (
            form(&[("branch", "bad..name")], vec![file("a.txt", "x")]),
            "branch",
        ),
        (
            form(
                &[("branch", "a"), ("branch", "b")],
                vec![file("a.txt", "x")],
            ),
            "branch",
        ),
    ];
    for (form, field) in cases {
        let response = sandbox.commit("acme", "backups", &ALICE, form).await;
        assert_eq!(response.status(), 400, "{field}");
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert!(
            body["error"]["data"]["fields"].get(field).is_some(),
            "{body}"
        );
    }
}
