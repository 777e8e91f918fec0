//! API sync against the sandbox's real git repositories, on both databases: connecting both
//! ways, pushing (read back with git, bytes unchanged), pulling commits made with git, merging
//! what does not overlap, conflicts that lose nothing, deleted files reported, branches,
//! release tags both ways, signed deliveries and polling.

use std::{path::PathBuf, process::Command, time::Duration};

use crate::fixtures::{collection, document, document_named, edit, member, ring};
use bitbucket_sandbox::{Config, Repository, Running, Seed, User, Workspace};
use ferry_domain::{
    accounts::Actor,
    api_sync::{
        hook::{self, Received},
        worker::{ApiSyncWorker, WorkerConfig},
        ApiSync, ApiSyncError, ConnectRequest, PullOutcome, PushOutcome, Resolution, SyncStatus,
        Winner,
    },
    apis::{Apis, NewApi},
    auth::Role,
    bitbucket::{parse_base_url, BitbucketClient, BitbucketConfig, Credential},
    collections::Collections,
    connected_accounts::{ConnectedAccounts, VerifiedIdentity},
    crypto::{Keyring, SecretContext},
    sync::{AccountCredentials, BitbucketDestination, BitbucketSync, SyncConfig, SyncEngine},
    Store,
};
use ferry_testing::{on_both, Db, TestDatabase};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

on_both!(
    connecting_commits_ferrys_files_and_git_reads_them_byte_for_byte,
    connecting_an_empty_api_imports_the_repository,
    when_both_sides_have_content_the_person_chooses_and_history_keeps_the_other,
    pushes_are_one_commit_on_the_base_and_never_over_a_moved_branch,
    git_commits_are_pulled_as_revisions_via_bitbucket,
    changes_that_do_not_overlap_merge_and_overlapping_ones_wait_for_a_person,
    a_file_deleted_in_the_repository_is_reported_not_applied,
    branches_switch_and_are_created_and_versions_become_tags_and_back,
    only_a_signed_delivery_queues_a_check_and_polling_finds_pushes_without_one,
    pushing_every_change_automatically_commits_after_the_debounce,
);

const EMAIL: &str = "alice@example.com";
const TOKEN: &str = "ATATT-api-sync";
const SCOPES: [&str; 4] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "write:repository:bitbucket",
];

/// Comments, key order and a trailing space: what a re-serialiser would lose.
const PETS: &str = "# Pets API: kept byte for byte.\nopenapi: 3.0.3\ninfo:\n  version: 1.0.0 \n  title: Pets\npaths:\n  /pets:\n    get:\n      summary: List pets\n      responses:\n        '200':\n          description: OK\n";

struct World {
    _sandbox: Running,
    data: tempfile::TempDir,
    db: TestDatabase,
    keyring: Keyring,
    engine: BitbucketSync,
    admin: Actor,
    account: String,
}

impl World {
    async fn start(db: Db) -> World {
        let db = db.fresh().await;
        let seed = Seed::default()
            .user(User::new("alice", EMAIL).api_token(TOKEN, &SCOPES))
            .workspace(
                Workspace::new("acme")
                    .member("alice", true)
                    .repository(Repository::new("apis")),
            );
        let data = tempfile::tempdir().unwrap();
        let sandbox = bitbucket_sandbox::start(Config::new(data.path(), seed))
            .await
            .unwrap();
        let api = parse_base_url(&sandbox.api_url()).unwrap();
        let web = parse_base_url(sandbox.url()).unwrap();
        let client = BitbucketClient::new(BitbucketConfig::new(api, web)).unwrap();
        let keyring = ring(&[("old", 1)]);
        let engine = SyncEngine::new(
            db.store.clone(),
            BitbucketDestination::new(
                client,
                AccountCredentials::new(db.store.clone(), keyring.clone()),
            ),
            SyncConfig {
                calls_per_account_hour: 1_000_000,
                ..SyncConfig::default()
            },
        );
        let admin = member(&db.store, "ada@example.com", Role::Admin).await;
        let account = ConnectedAccounts::new(&db.store, &keyring)
            .create(
                &admin,
                "Alice",
                &Credential::ApiToken {
                    email: EMAIL.into(),
                    token: SecretString::from(TOKEN.to_owned()),
                },
                &VerifiedIdentity {
                    display_name: "Alice".into(),
                    username: "alice".into(),
                    user_uuid: "{a}".into(),
                },
            )
            .await
            .unwrap()
            .id;
        let world = World {
            _sandbox: sandbox,
            data,
            db,
            keyring,
            engine,
            admin,
            account,
        };
        world.git_in_work(&["init", "-q", "-b", "main"]);
        world
    }

    fn store(&self) -> &Store {
        &self.db.store
    }

    fn sync(&self) -> ApiSync<'_, AccountCredentials> {
        ApiSync::new(self.store(), &self.keyring, &self.engine)
    }

    fn request(&self) -> ConnectRequest {
        ConnectRequest {
            account_id: self.account.clone(),
            workspace: "acme".into(),
            repository: "apis".into(),
            branch: "main".into(),
            ..ConnectRequest::default()
        }
    }

    async fn api(&self, text: &str) -> String {
        Apis::new(self.store())
            .create(&self.admin, NewApi::Import { text, summary: "" })
            .await
            .unwrap()
            .row
            .id
    }

    async fn definition(&self, api: &str) -> String {
        Apis::new(self.store())
            .get(&self.admin, api)
            .await
            .unwrap()
            .text
    }

    async fn save(&self, api: &str, text: &str) {
        Apis::new(self.store())
            .replace_definition(&self.admin, api, text, None)
            .await
            .unwrap();
    }

    async fn status(&self, api: &str) -> SyncStatus {
        self.sync().view(&self.admin, api).await.unwrap().status
    }

    fn bare(&self) -> PathBuf {
        self.data.path().join("repositories/acme/apis.git")
    }

    fn work(&self) -> PathBuf {
        self.data.path().join("work")
    }

    fn git_bare(&self, args: &[&str]) -> String {
        run_git(
            Command::new("git")
                .arg("--git-dir")
                .arg(self.bare())
                .args(args),
        )
    }

    fn git_in_work(&self, args: &[&str]) -> String {
        std::fs::create_dir_all(self.work()).unwrap();
        run_git(
            Command::new("git")
                .current_dir(self.work())
                .env("GIT_AUTHOR_NAME", "Grace Git")
                .env("GIT_AUTHOR_EMAIL", "grace@example.com")
                .env("GIT_COMMITTER_NAME", "Grace Git")
                .env("GIT_COMMITTER_EMAIL", "grace@example.com")
                .args(args),
        )
    }

    /// What `branch` holds at `path`, read with git itself.
    fn show(&self, branch: &str, path: &str) -> String {
        self.git_bare(&["show", &format!("{branch}:{path}")])
    }

    fn commits(&self, branch: &str) -> usize {
        self.git_bare(&["rev-list", "--count", branch])
            .trim()
            .parse()
            .unwrap()
    }

    /// A commit made with git in a clone and pushed: `files` written, `deleted` removed.
    fn git_commit(&self, files: &[(&str, &str)], deleted: &[&str], message: &str) {
        let bare = self.bare();
        let bare = bare.to_str().unwrap();
        if !self.git_in_work(&["remote"]).contains("origin") {
            self.git_in_work(&["remote", "add", "origin", bare]);
        }
        self.git_in_work(&["fetch", "-q", "origin"]);
        self.git_in_work(&["checkout", "-q", "-B", "main", "origin/main"]);
        for (path, content) in files {
            let full = self.work().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
            self.git_in_work(&["add", path]);
        }
        for path in deleted {
            self.git_in_work(&["rm", "-q", path]);
        }
        self.git_in_work(&["commit", "-q", "-m", message]);
        self.git_in_work(&["push", "-q", "origin", "main"]);
    }
}

fn run_git(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const DEFINITION: &str = "postman/schemas/index.yaml";
const USERS_FILE: &str = "postman/collections/Users.postman_collection.json";

async fn linked_collection(world: &World, api: &str, id: &str, name: &str, requests: &[&str]) {
    collection(world.store(), &world.admin, id, name).await;
    edit(world.store(), &world.admin, id, name, requests).await;
    Apis::new(world.store())
        .link(&world.admin, api, id)
        .await
        .unwrap();
}

async fn canonical(world: &World, id: &str) -> String {
    Collections::new(world.store())
        .get(&world.admin, id)
        .await
        .unwrap()
        .collection
        .to_canonical_json()
}

async fn connecting_commits_ferrys_files_and_git_reads_them_byte_for_byte(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    linked_collection(&world, &api, "users", "Users", &["list"]).await;
    let before = world.commits("main");

    let connection = world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();

    assert_eq!(connection.definition_path, DEFINITION);
    assert_eq!(
        world.commits("main"),
        before + 1,
        "one commit for both files"
    );
    assert_eq!(world.show("main", DEFINITION), PETS, "byte for byte");
    assert_eq!(
        world.show("main", USERS_FILE),
        canonical(&world, "users").await
    );
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
    let view = world.sync().view(&world.admin, &api).await.unwrap();
    assert!(view.changes.is_empty());
    assert_eq!(view.log[0].direction, "connect");
    assert_eq!(
        world
            .git_bare(&["log", "-1", "--format=%an <%ae>", "main"])
            .trim(),
        "ada <ada@example.com>"
    );

    // Connecting again is refused and commits nothing.
    let again = world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await;
    assert!(
        matches!(again, Err(ApiSyncError::AlreadyConnected(_))),
        "{again:?}"
    );
    assert_eq!(world.commits("main"), before + 1);
}

async fn connecting_an_empty_api_imports_the_repository(db: Db) {
    let world = World::start(db).await;
    let users = document("users-from-git", "Users", &["list", "create"]).to_canonical_json();
    world.git_commit(
        &[("postman/schemas/pets.yaml", PETS), (USERS_FILE, &users)],
        &[],
        "Add the Pets API",
    );
    let api = Apis::new(world.store())
        .create(
            &world.admin,
            NewApi::Empty {
                name: "Pets",
                summary: "",
            },
        )
        .await
        .unwrap()
        .row
        .id;
    let before = world.commits("main");

    let connection = world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();

    assert_eq!(
        connection.definition_path, "postman/schemas/pets.yaml",
        "the branch's own definition file"
    );
    assert_eq!(world.commits("main"), before, "nothing to commit");
    assert_eq!(world.definition(&api).await, PETS);
    let linked = Apis::new(world.store())
        .linked_collections(&world.admin, &api)
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(canonical(&world, &linked[0].collection_id).await, users);

    // Connecting again after the import half happened (the collection made, its link gone)
    // links the collection already imported instead of copying it.
    world.sync().disconnect(&world.admin, &api).await.unwrap();
    Apis::new(world.store())
        .unlink(&world.admin, &api, &linked[0].collection_id)
        .await
        .unwrap();
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    let relinked = Apis::new(world.store())
        .linked_collections(&world.admin, &api)
        .await
        .unwrap();
    assert_eq!(relinked.len(), 1);
    assert_eq!(relinked[0].collection_id, linked[0].collection_id);
    assert_eq!(
        Collections::new(world.store())
            .list(&world.admin, "")
            .await
            .unwrap()
            .len(),
        1,
        "no copy"
    );
    let history = Apis::new(world.store())
        .history(&world.admin, &api)
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|revision| revision.author_email.ends_with("via Bitbucket")),
        "{history:?}"
    );
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
}

async fn when_both_sides_have_content_the_person_chooses_and_history_keeps_the_other(db: Db) {
    let world = World::start(db).await;
    let theirs = PETS.replace("List pets", "List the pets");
    world.git_commit(&[(DEFINITION, &theirs)], &[], "Theirs");
    let api = world.api(PETS).await;
    let history_before = Apis::new(world.store())
        .history(&world.admin, &api)
        .await
        .unwrap()
        .len();

    let unchosen = world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await;
    let Err(ApiSyncError::Field(error)) = unchosen else {
        panic!("{unchosen:?}")
    };
    assert_eq!(error.field, "winner");
    assert_eq!(world.definition(&api).await, PETS, "nothing changed");
    assert!(world
        .sync()
        .connection(&world.admin, &api)
        .await
        .unwrap()
        .is_none());

    world
        .sync()
        .connect(
            &world.admin,
            &api,
            ConnectRequest {
                winner: Some(Winner::Ferry),
                ..world.request()
            },
        )
        .await
        .unwrap();
    assert_eq!(world.definition(&api).await, PETS);
    assert_eq!(world.show("main", DEFINITION), PETS, "Ferry's won");
    let history = Apis::new(world.store())
        .history(&world.admin, &api)
        .await
        .unwrap();
    assert_eq!(history.len(), history_before + 2);
    let kept = Apis::new(world.store())
        .revision_definition(&world.admin, &api, history[1].number)
        .await
        .unwrap();
    assert_eq!(kept, theirs, "the repository's version stays in History");
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
}

async fn pushes_are_one_commit_on_the_base_and_never_over_a_moved_branch(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    linked_collection(&world, &api, "users", "Users", &["list"]).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    let edited = PETS.replace("List pets", "List every pet");
    world.save(&api, &edited).await;
    edit(
        world.store(),
        &world.admin,
        "users",
        "Users",
        &["list", "create"],
    )
    .await;
    assert_eq!(world.status(&api).await, SyncStatus::LocalChanges);
    let view = world.sync().view(&world.admin, &api).await.unwrap();
    assert_eq!(view.changes.len(), 2);
    assert_eq!(view.changes[0].base.as_deref(), Some(PETS));

    let refused = world.sync().push(&world.admin, &api, "  ").await;
    assert!(matches!(refused, Err(ApiSyncError::Field(ref e)) if e.field == "message"));
    let before = world.commits("main");
    let pushed = world
        .sync()
        .push(&world.admin, &api, "Describe listing")
        .await
        .unwrap();
    let PushOutcome::Pushed { files, .. } = pushed else {
        panic!("{pushed:?}")
    };
    assert_eq!(files.len(), 2);
    assert_eq!(world.commits("main"), before + 1);
    assert_eq!(world.show("main", DEFINITION), edited);
    assert_eq!(
        world.show("main", USERS_FILE),
        canonical(&world, "users").await
    );
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
    assert_eq!(
        world
            .sync()
            .push(&world.admin, &api, "again")
            .await
            .unwrap(),
        PushOutcome::NothingToPush
    );

    // Someone pushes with git; Ferry's next push must not overwrite it.
    world.git_commit(&[("README.md", "docs\n")], &[], "Docs");
    world.save(&api, PETS).await;
    let tip = world.git_bare(&["rev-parse", "main"]);
    let moved = world.sync().push(&world.admin, &api, "Revert").await;
    assert!(
        matches!(moved, Err(ApiSyncError::BranchMoved { .. })),
        "{moved:?}"
    );
    assert_eq!(
        world.git_bare(&["rev-parse", "main"]),
        tip,
        "nothing overwritten"
    );
    assert_eq!(world.status(&api).await, SyncStatus::IncomingChanges);
    // Pull first, then the push lands.
    world.sync().pull(&world.admin, &api).await.unwrap();
    world
        .sync()
        .push(&world.admin, &api, "Revert")
        .await
        .unwrap();
    assert_eq!(world.show("main", DEFINITION), PETS);
    assert_eq!(world.show("main", "README.md"), "docs\n");
}

async fn git_commits_are_pulled_as_revisions_via_bitbucket(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    linked_collection(&world, &api, "users", "Users", &["list"]).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    let theirs = PETS.replace("List pets", "List pets, from git");
    let users = document("users", "Users", &["list", "delete"]).to_canonical_json();
    world.git_commit(
        &[(DEFINITION, &theirs), (USERS_FILE, &users)],
        &[],
        "Edit with git",
    );

    let pulled = world.sync().pull(&world.admin, &api).await.unwrap();
    let PullOutcome::Pulled { report, .. } = pulled else {
        panic!("{pulled:?}")
    };
    assert_eq!(report.applied.len(), 2, "{report:?}");
    assert_eq!(world.definition(&api).await, theirs);
    assert_eq!(canonical(&world, "users").await, users);
    let history = Apis::new(world.store())
        .history(&world.admin, &api)
        .await
        .unwrap();
    assert_eq!(history[0].author_email, "Grace Git via Bitbucket");
    assert!(
        history[0].summary.contains("Bitbucket commit"),
        "{}",
        history[0].summary
    );
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
    let again = world.sync().pull(&world.admin, &api).await.unwrap();
    assert!(matches!(again, PullOutcome::UpToDate { .. }));
}

async fn changes_that_do_not_overlap_merge_and_overlapping_ones_wait_for_a_person(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    linked_collection(&world, &api, "users", "Users", &["list", "create"]).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();

    // Different lines, different requests: both land.
    let ours = PETS.replace("# Pets API", "# The Pets API");
    world.save(&api, &ours).await;
    let ours_users = document_named(
        "users",
        "Users",
        &[("list", "List users"), ("create", "create")],
    );
    Collections::new(world.store())
        .replace(&world.admin, "users", ours_users)
        .await
        .unwrap();
    let theirs = PETS.replace("description: OK", "description: The pets");
    let their_users = document_named(
        "users",
        "Users",
        &[("list", "list"), ("create", "Create user")],
    );
    world.git_commit(
        &[
            (DEFINITION, &theirs),
            (USERS_FILE, &their_users.to_canonical_json()),
        ],
        &[],
        "Their edits",
    );
    let pulled = world.sync().pull(&world.admin, &api).await.unwrap();
    let PullOutcome::Pulled { report, .. } = pulled else {
        panic!("{pulled:?}")
    };
    assert_eq!(report.merged.len(), 2, "{report:?}");
    let merged = world.definition(&api).await;
    assert!(merged.contains("# The Pets API") && merged.contains("description: The pets"));
    let users = canonical(&world, "users").await;
    assert!(
        users.contains("List users") && users.contains("Create user"),
        "{users}"
    );
    world
        .sync()
        .push(&world.admin, &api, "Merge")
        .await
        .unwrap();
    assert_eq!(world.show("main", DEFINITION), merged);

    // The same line on both sides: a conflict, and neither side is overwritten.
    let ours = merged.replace("List pets", "List pets (Ferry)");
    world.save(&api, &ours).await;
    let theirs = merged.replace("List pets", "List pets (git)");
    world.git_commit(&[(DEFINITION, &theirs)], &[], "Conflicting");
    world.sync().pull(&world.admin, &api).await.unwrap();
    assert_eq!(world.status(&api).await, SyncStatus::Conflict);
    assert_eq!(world.definition(&api).await, ours, "Ferry's side untouched");
    assert_eq!(
        world.show("main", DEFINITION),
        theirs,
        "the repository's untouched"
    );
    let view = world.sync().view(&world.admin, &api).await.unwrap();
    assert_eq!(view.conflicts.len(), 1);
    assert_eq!(view.conflicts[0].ours, ours);
    assert_eq!(view.conflicts[0].theirs, theirs);
    let refused = world.sync().push(&world.admin, &api, "Mine").await;
    assert!(
        matches!(refused, Err(ApiSyncError::Unresolved { count: 1 })),
        "{refused:?}"
    );

    // An edit that still holds a conflict marker is not a definition: refused, nothing changed.
    let unreadable = world
        .sync()
        .resolve(
            &world.admin,
            &api,
            DEFINITION,
            Resolution::Edited("openapi: 3.0.3\n<<<<<<< Ferry\n  : [\n".into()),
        )
        .await;
    assert!(
        matches!(unreadable, Err(ApiSyncError::Field(ref e)) if e.field == "content"),
        "{unreadable:?}"
    );
    assert_eq!(world.definition(&api).await, ours);
    assert_eq!(
        world
            .sync()
            .view(&world.admin, &api)
            .await
            .unwrap()
            .conflicts
            .len(),
        1
    );

    world
        .sync()
        .resolve(&world.admin, &api, DEFINITION, Resolution::KeepFerry)
        .await
        .unwrap();
    assert_eq!(world.definition(&api).await, ours);
    let history = Apis::new(world.store())
        .history(&world.admin, &api)
        .await
        .unwrap();
    let kept = Apis::new(world.store())
        .revision_definition(&world.admin, &api, history[1].number)
        .await
        .unwrap();
    assert_eq!(kept, theirs, "the repository's version stays in History");
    assert_eq!(world.status(&api).await, SyncStatus::LocalChanges);
    world
        .sync()
        .push(&world.admin, &api, "Keep Ferry's")
        .await
        .unwrap();
    assert_eq!(world.show("main", DEFINITION), ours);
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
}

async fn a_file_deleted_in_the_repository_is_reported_not_applied(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    linked_collection(&world, &api, "users", "Users", &["list"]).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    let users = canonical(&world, "users").await;
    world.git_commit(&[], &[DEFINITION, USERS_FILE], "Remove them");

    let pulled = world.sync().pull(&world.admin, &api).await.unwrap();
    let PullOutcome::Pulled { report, .. } = pulled else {
        panic!("{pulled:?}")
    };
    assert_eq!(report.deleted.len(), 2, "{report:?}");
    assert_eq!(world.definition(&api).await, PETS, "kept");
    assert_eq!(canonical(&world, "users").await, users, "kept");
    let log = world.sync().log(&world.admin, &api).await.unwrap();
    assert!(
        log[0].detail.contains("deleted in the repository"),
        "{}",
        log[0].detail
    );
}

async fn branches_switch_and_are_created_and_versions_become_tags_and_back(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();

    world
        .sync()
        .create_branch(&world.admin, &api, "dev", true)
        .await
        .unwrap();
    assert_eq!(
        world.git_bare(&["rev-parse", "dev"]),
        world.git_bare(&["rev-parse", "main"])
    );
    let connection = world
        .sync()
        .connection(&world.admin, &api)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(connection.branch, "dev");
    let branches = world.sync().branches(&world.admin, &api).await.unwrap();
    assert!(branches.contains(&"dev".to_owned()) && branches.contains(&"main".to_owned()));

    // Unpushed changes keep the branch where it is.
    let edited = PETS.replace("List pets", "List pets on dev");
    world.save(&api, &edited).await;
    let refused = world.sync().switch_branch(&world.admin, &api, "main").await;
    assert!(
        matches!(refused, Err(ApiSyncError::LocalChanges)),
        "{refused:?}"
    );
    world
        .sync()
        .push(&world.admin, &api, "On dev")
        .await
        .unwrap();
    assert_eq!(world.show("dev", DEFINITION), edited);
    assert_eq!(world.show("main", DEFINITION), PETS);

    // Back on main, Ferry holds main's definition.
    world
        .sync()
        .switch_branch(&world.admin, &api, "main")
        .await
        .unwrap();
    assert_eq!(world.definition(&api).await, PETS);
    assert_eq!(world.status(&api).await, SyncStatus::InSync);

    // Publishing tags the commit that holds the version.
    let (version, tag) = world
        .sync()
        .publish(&world.admin, &api, "1.0.0", "First")
        .await
        .unwrap();
    assert_eq!(tag.as_deref(), Some("v1.0.0"));
    assert_eq!(version.source_commit, None);
    assert_eq!(
        world.git_bare(&["rev-parse", "v1.0.0^{commit}"]),
        world.git_bare(&["rev-parse", "main"])
    );

    // A tag pushed with git becomes a version read at the tag.
    let tagged = PETS.replace("version: 1.0.0", "version: 2.0.0");
    world.git_commit(&[(DEFINITION, &tagged)], &[], "Release 2");
    world.git_in_work(&["tag", "v2.0.0"]);
    world.git_in_work(&["push", "-q", "origin", "v2.0.0"]);
    world.git_in_work(&["tag", "not-a-version"]);
    world.git_in_work(&["push", "-q", "origin", "not-a-version"]);
    world.sync().pull(&world.admin, &api).await.unwrap();
    let versions = Apis::new(world.store())
        .versions(&world.admin, &api)
        .await
        .unwrap();
    let names: Vec<&str> = versions.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let from_git = versions.iter().find(|v| v.name == "2.0.0").unwrap();
    assert_eq!(
        from_git.source_commit.as_deref(),
        Some(world.git_bare(&["rev-parse", "v2.0.0^{commit}"]).trim())
    );
    let read = Apis::new(world.store())
        .version(&world.admin, &api, &from_git.id)
        .await
        .unwrap();
    assert_eq!(read.definition, tagged);
}

async fn only_a_signed_delivery_queues_a_check_and_polling_finds_pushes_without_one(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    let connection = world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    let worker = ApiSyncWorker::new(
        world.store().clone(),
        world.keyring.clone(),
        world.engine.clone(),
        WorkerConfig {
            poll: Duration::from_secs(3600),
            ..WorkerConfig::default()
        },
    );
    // The check the connection starts with.
    worker.run_due().await.unwrap();
    assert_eq!(
        worker.run_due().await.unwrap(),
        0,
        "nothing due for an hour"
    );

    let theirs = PETS.replace("List pets", "List pets, pushed");
    world.git_commit(&[(DEFINITION, &theirs)], &[], "Pushed");
    let tip = world.git_bare(&["rev-parse", "main"]);
    let body = serde_json::json!({
        "repository": {"full_name": "acme/apis", "uuid": "{r}"},
        "push": {"changes": [{
            "old": {"type": "branch", "name": "main", "target": {"hash": connection.base_commit}},
            "new": {"type": "branch", "name": "main", "target": {"hash": tip.trim()}},
            "forced": false, "created": false, "closed": false
        }]}
    })
    .to_string();
    let secret = world
        .keyring
        .open(
            &SecretContext {
                team_id: &world.admin.team_id,
                row_id: &api,
                purpose: "api_connection.hook_secret",
            },
            &connection.hook_secret,
        )
        .unwrap();
    let sign = |key: &[u8], body: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    };

    // Forged: another secret, or a changed body. Nothing is queued.
    for (signature, sent) in [
        (sign(b"guessed", body.as_bytes()), body.clone()),
        (
            sign(secret.expose_secret(), body.as_bytes()),
            body.replace("main", "dev"),
        ),
    ] {
        let forged = hook::receive(
            world.store(),
            &world.keyring,
            &connection.hook_id,
            Some("repo:push"),
            Some(&signature),
            sent.as_bytes(),
        )
        .await;
        assert!(forged.is_err(), "{forged:?}");
        assert_eq!(worker.run_due().await.unwrap(), 0);
        assert_eq!(world.definition(&api).await, PETS);
    }
    let unknown = hook::receive(world.store(), &world.keyring, "nope", None, None, b"{}").await;
    assert!(unknown.is_err());

    let received = hook::receive(
        world.store(),
        &world.keyring,
        &connection.hook_id,
        Some("repo:push"),
        Some(&sign(secret.expose_secret(), body.as_bytes())),
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(received, Received::Queued);
    assert_eq!(world.status(&api).await, SyncStatus::IncomingChanges);
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(world.definition(&api).await, theirs);

    // Without a delivery, the poll finds the next push once its interval passes.
    let polled = PETS.replace("List pets", "List pets, polled");
    world.git_commit(&[(DEFINITION, &polled)], &[], "Polled");
    assert_eq!(worker.run_due().await.unwrap(), 0);
    crate::fixtures::exec(
        world.store(),
        "UPDATE api_connections SET check_due_at_ms = 0 WHERE api_id = $1",
        &[&api],
    )
    .await;
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(world.definition(&api).await, polled);

    // `ferry keys reencrypt` moves the webhook secret to the newest key with the credentials.
    let rotated = ring(&[("old", 1), ("new", 2)]);
    let accounts = ConnectedAccounts::new(world.store(), &rotated);
    assert_eq!(accounts.reencrypt_all().await.unwrap().resealed, 2);
    assert_eq!(
        accounts.secrets_by_key().await.unwrap(),
        vec![("new".to_owned(), 2)]
    );
    let resealed = world
        .store()
        .api_connection(&world.admin.team_id, &api)
        .await
        .unwrap()
        .unwrap()
        .hook_secret;
    assert_ne!(resealed, connection.hook_secret);
    let context = SecretContext {
        team_id: &world.admin.team_id,
        row_id: &api,
        purpose: "api_connection.hook_secret",
    };
    assert_eq!(
        rotated.open(&context, &resealed).unwrap().expose_secret(),
        secret.expose_secret()
    );
}

async fn pushing_every_change_automatically_commits_after_the_debounce(db: Db) {
    let world = World::start(db).await;
    let api = world.api(PETS).await;
    world
        .sync()
        .connect(&world.admin, &api, world.request())
        .await
        .unwrap();
    world
        .sync()
        .update_settings(&world.admin, &api, true, "release-{version}")
        .await
        .unwrap();
    let worker = ApiSyncWorker::new(
        world.store().clone(),
        world.keyring.clone(),
        world.engine.clone(),
        WorkerConfig {
            poll: Duration::from_secs(3600),
            ..WorkerConfig::default()
        },
    );
    worker.run_due().await.unwrap();
    let before = world.commits("main");
    let edited = PETS.replace("List pets", "List pets, pushed by itself");
    world.save(&api, &edited).await;
    // Nothing before the debounce ends; then one commit, as the person who saved.
    assert_eq!(worker.run_due().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(world.commits("main"), before + 1);
    assert_eq!(world.show("main", DEFINITION), edited);
    assert_eq!(
        world
            .git_bare(&["log", "-1", "--format=%an <%ae>", "main"])
            .trim(),
        "ada <ada@example.com>"
    );
    assert_eq!(world.status(&api).await, SyncStatus::InSync);
    // The tag pattern is the setting's.
    let (_, tag) = world
        .sync()
        .publish(&world.admin, &api, "2.0.0", "")
        .await
        .unwrap();
    assert_eq!(tag.as_deref(), Some("release-2.0.0"));
    let refused = world
        .sync()
        .update_settings(&world.admin, &api, true, "no-placeholder")
        .await;
    assert!(matches!(refused, Err(ApiSyncError::Field(ref e)) if e.field == "tagPattern"));
}
