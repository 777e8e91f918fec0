//! The connected-accounts service on both backends: secrets sealed per team and row, replaced
//! in place, refreshed atomically, re-encrypted under a new key; team scoping and permissions;
//! and no plaintext anywhere in the database files.

use crate::fixtures::{collection, exec, integration, member, ring, teammate};
use ferry_domain::{
    auth::{ExposeSecret, Role, SecretString},
    bitbucket::{AuthMethod, Credential},
    connected_accounts::{ConnectedAccountError, ConnectedAccounts, VerifiedIdentity},
    crypto::{CryptoError, Keyring},
    error::{DomainError, Forbidden},
    hooks::events,
    integrations::IntegrationStatus,
    webhooks::EventType,
    Store,
};

ferry_testing::on_both!(
    store:
    create_list_and_open,
    labels_are_required_bounded_and_unique,
    reauthenticate_replaces_the_secret_in_place,
    refreshed_oauth_tokens_are_stored_together,
    usage_and_delete,
    other_teams_see_and_touch_nothing,
    viewers_cannot_connect_and_editors_manage_only_their_own,
    a_secret_copied_to_another_row_does_not_open,
    reencrypt_moves_every_secret_to_the_newest_key,
    audit_names_the_account_never_the_secret,
);

const TOKEN: &str = "ATATT3xFfGF0-distinctive-token-7c1e";

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn api_token(token: &str) -> Credential {
    Credential::ApiToken {
        email: "dev@example.com".into(),
        token: secret(token),
    }
}

fn identity(username: &str) -> VerifiedIdentity {
    VerifiedIdentity {
        display_name: format!("{username} (Bitbucket)"),
        username: username.into(),
        user_uuid: format!("{{{username}-uuid}}"),
    }
}

fn exposed(credential: &Credential) -> Vec<String> {
    match credential {
        Credential::ApiToken { email, token } => {
            vec![email.clone(), token.expose_secret().to_owned()]
        }
        Credential::AppPassword { username, password } => {
            vec![username.clone(), password.expose_secret().to_owned()]
        }
        Credential::OAuth {
            access_token,
            refresh_token,
            expires_at_ms,
        } => vec![
            access_token.expose_secret().to_owned(),
            refresh_token.expose_secret().to_owned(),
            expires_at_ms.to_string(),
        ],
    }
}

async fn create_list_and_open(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    let created = service
        .create(
            &editor,
            "  Backups bot ",
            &api_token(TOKEN),
            &identity("backup-bot"),
        )
        .await
        .unwrap();
    assert_eq!(created.label, "Backups bot");
    assert_eq!(created.method, AuthMethod::ApiToken);
    assert_eq!(created.login, "dev@example.com");
    assert_eq!(created.display_name, "backup-bot (Bitbucket)");
    assert_eq!(created.provider_user_id, "{backup-bot-uuid}");
    assert_eq!(created.created_by_email, "ed@example.com");
    assert_eq!(created.integration_count, 0);
    assert_eq!(created.token_expires_at_ms, None);
    assert!(created.verified_at_ms > 0 && created.verified_at_ms == created.created_at_ms);

    let app_password = Credential::AppPassword {
        username: "legacy-user".into(),
        password: secret("app-pw-123"),
    };
    service
        .create(&editor, "Alpha", &app_password, &identity("legacy-user"))
        .await
        .unwrap();
    let labels: Vec<_> = service
        .list(&editor)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.label)
        .collect();
    assert_eq!(labels, ["Alpha", "Backups bot"]);

    let opened = service
        .credential(&editor.team_id, &created.id)
        .await
        .unwrap();
    assert_eq!(exposed(&opened), ["dev@example.com", TOKEN]);
    let alpha = &service.list(&editor).await.unwrap()[0];
    let opened = service
        .credential(&editor.team_id, &alpha.id)
        .await
        .unwrap();
    assert_eq!(exposed(&opened), ["legacy-user", "app-pw-123"]);
}

async fn labels_are_required_bounded_and_unique(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    for bad in ["", "  ", &"x".repeat(81), "two\nlines"] {
        let error = service
            .create(&editor, bad, &api_token(TOKEN), &identity("u"))
            .await
            .unwrap_err();
        assert_eq!(error.field(), Some("label"), "{bad:?}: {error}");
    }
    let error = service
        .create(&editor, "Bot", &api_token(" "), &identity("u"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("api_token"), "{error}");
    service
        .create(&editor, "Bot", &api_token(TOKEN), &identity("u"))
        .await
        .unwrap();
    let error = service
        .create(&editor, " Bot ", &api_token("other"), &identity("u"))
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("label"));
    assert!(
        error
            .to_string()
            .contains("already has a connected account labelled “Bot”"),
        "{error}"
    );
    assert_eq!(
        service.list(&editor).await.unwrap().len(),
        1,
        "nothing stored by the refusals"
    );
}

async fn reauthenticate_replaces_the_secret_in_place(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    let account = service
        .create(&editor, "Bot", &api_token("old-token"), &identity("bot"))
        .await
        .unwrap();
    collection(store, &editor, "c-1", "Users API").await;
    let integration_id =
        integration(store, &editor, &account.id, "c-1", "main", "users.json").await;
    // The old token stopped working: the engine marked the integration and dropped its job.
    store
        .set_integration_status(
            &editor.team_id,
            &integration_id,
            IntegrationStatus::NeedsReauth,
            Some("revoked"),
            &events::integration_status(
                None,
                EventType::IntegrationNeedsReauth,
                &integration_id,
                "Users API",
                Some("revoked"),
            ),
        )
        .await
        .unwrap();
    exec(store, "DELETE FROM sync_jobs", &[]).await;

    let replacement = Credential::AppPassword {
        username: "bot".into(),
        password: secret("new-app-password"),
    };
    let replaced = service
        .reauthenticate(&editor, &account.id, &replacement, &identity("bot"))
        .await
        .unwrap();
    assert_eq!(replaced.id, account.id);
    assert_eq!(replaced.label, "Bot");
    assert_eq!(replaced.method, AuthMethod::AppPassword);
    assert_eq!(replaced.login, "bot");
    assert_eq!(replaced.integration_count, 1);
    assert!(replaced.verified_at_ms >= account.verified_at_ms);
    assert_eq!(
        exposed(
            &service
                .credential(&editor.team_id, &account.id)
                .await
                .unwrap()
        ),
        ["bot", "new-app-password"]
    );

    let integrations = ferry_domain::integrations::Integrations::new(store);
    let still = integrations.get(&editor, &integration_id).await.unwrap();
    assert_eq!(still.account_id.as_deref(), Some(account.id.as_str()));
    assert_eq!(
        still.status,
        IntegrationStatus::Active,
        "the new credential revives it"
    );
    assert_eq!(still.status_reason, None);
    let (queued, _) = store
        .job_counts(ferry_domain::store::now_ms())
        .await
        .unwrap();
    assert_eq!(queued, 1, "and it runs once with the new credential");
}

async fn refreshed_oauth_tokens_are_stored_together(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    let oauth = Credential::OAuth {
        access_token: secret("access-1"),
        refresh_token: secret("refresh-1"),
        expires_at_ms: 1_000,
    };
    let account = service
        .create(&editor, "OAuth", &oauth, &identity("oauth-user"))
        .await
        .unwrap();
    assert_eq!(account.login, "oauth-user");
    assert_eq!(account.token_expires_at_ms, Some(1_000));
    assert_eq!(
        exposed(
            &service
                .credential(&editor.team_id, &account.id)
                .await
                .unwrap()
        ),
        ["access-1", "refresh-1", "1000"]
    );

    service
        .store_refreshed_oauth_tokens(
            &editor.team_id,
            &account.id,
            &secret("access-2"),
            &secret("refresh-2"),
            2_000,
        )
        .await
        .unwrap();
    assert_eq!(
        exposed(
            &service
                .credential(&editor.team_id, &account.id)
                .await
                .unwrap()
        ),
        ["access-2", "refresh-2", "2000"]
    );
    assert_eq!(
        service
            .get(&editor, &account.id)
            .await
            .unwrap()
            .token_expires_at_ms,
        Some(2_000)
    );

    let api = service
        .create(&editor, "Token", &api_token(TOKEN), &identity("u"))
        .await
        .unwrap();
    let refused = service
        .store_refreshed_oauth_tokens(&editor.team_id, &api.id, &secret("a"), &secret("r"), 1)
        .await;
    assert!(
        matches!(refused, Err(ConnectedAccountError::NotFound)),
        "only OAuth accounts take tokens"
    );
    assert_eq!(
        exposed(&service.credential(&editor.team_id, &api.id).await.unwrap())[1],
        TOKEN
    );
}

async fn usage_and_delete(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    let account = service
        .create(&editor, "Bot", &api_token(TOKEN), &identity("bot"))
        .await
        .unwrap();
    collection(store, &editor, "c-users", "Users API").await;
    collection(store, &editor, "c-orders", "Orders").await;
    let kept = integration(store, &editor, &account.id, "c-users", "main", "users.json").await;
    integration(
        store,
        &editor,
        &account.id,
        "c-orders",
        "main",
        "orders.json",
    )
    .await;
    assert_eq!(
        service.usage(&editor, &account.id).await.unwrap(),
        ["Orders", "Users API"]
    );
    assert_eq!(
        service
            .get(&editor, &account.id)
            .await
            .unwrap()
            .integration_count,
        2
    );

    service.delete(&editor, &account.id).await.unwrap();
    assert!(matches!(
        service.get(&editor, &account.id).await,
        Err(ConnectedAccountError::NotFound)
    ));
    assert!(matches!(
        service.credential(&editor.team_id, &account.id).await,
        Err(ConnectedAccountError::NotFound)
    ));
    let orphan = ferry_domain::integrations::Integrations::new(store)
        .get(&editor, &kept)
        .await
        .unwrap();
    assert_eq!(
        orphan.account_id, None,
        "the integration stays, without an account"
    );
    assert!(matches!(
        service.delete(&editor, &account.id).await,
        Err(ConnectedAccountError::NotFound)
    ));
}

async fn other_teams_see_and_touch_nothing(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let a = member(store, "a@example.com", Role::Admin).await;
    let b = member(store, "b@example.com", Role::Admin).await;
    let account = service
        .create(&a, "Bot", &api_token(TOKEN), &identity("bot"))
        .await
        .unwrap();

    assert!(service.list(&b).await.unwrap().is_empty());
    let not_found =
        |r: Result<_, ConnectedAccountError>| matches!(r, Err(ConnectedAccountError::NotFound));
    assert!(not_found(service.get(&b, &account.id).await.map(drop)));
    assert!(not_found(service.usage(&b, &account.id).await.map(drop)));
    assert!(not_found(
        service.credential(&b.team_id, &account.id).await.map(drop)
    ));
    assert!(not_found(
        service
            .reauthenticate(&b, &account.id, &api_token("hijack"), &identity("x"))
            .await
            .map(drop)
    ));
    assert!(not_found(
        service
            .store_refreshed_oauth_tokens(&b.team_id, &account.id, &secret("a"), &secret("r"), 1)
            .await
    ));
    assert!(not_found(service.delete(&b, &account.id).await));
    assert_eq!(
        exposed(&service.credential(&a.team_id, &account.id).await.unwrap())[1],
        TOKEN,
        "untouched"
    );
    // The same label is free in another team.
    service
        .create(&b, "Bot", &api_token("b-token"), &identity("bot"))
        .await
        .unwrap();
}

async fn viewers_cannot_connect_and_editors_manage_only_their_own(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let viewer = teammate(store, &admin, "viewer@example.com", Role::Viewer).await;
    let editor = teammate(store, &admin, "editor@example.com", Role::Editor).await;

    let refused = service
        .create(&viewer, "Mine", &api_token(TOKEN), &identity("v"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            ConnectedAccountError::Forbidden(Forbidden {
                role: Role::Viewer,
                ..
            })
        ),
        "{refused}"
    );
    assert!(
        service.list(&viewer).await.unwrap().is_empty(),
        "viewers may look, and nothing was stored"
    );

    let admins = service
        .create(&admin, "Admin's", &api_token(TOKEN), &identity("a"))
        .await
        .unwrap();
    let editors = service
        .create(&editor, "Editor's", &api_token("e-token"), &identity("e"))
        .await
        .unwrap();
    let forbidden =
        |r: Result<_, ConnectedAccountError>| matches!(r, Err(ConnectedAccountError::Forbidden(_)));
    assert!(forbidden(
        service
            .reauthenticate(&editor, &admins.id, &api_token("x"), &identity("x"))
            .await
            .map(drop)
    ));
    assert!(forbidden(service.delete(&editor, &admins.id).await));
    assert!(forbidden(service.delete(&viewer, &editors.id).await));
    service
        .reauthenticate(
            &editor,
            &editors.id,
            &api_token("e-token-2"),
            &identity("e"),
        )
        .await
        .unwrap();
    service
        .reauthenticate(&admin, &editors.id, &api_token("e-token-3"), &identity("e"))
        .await
        .unwrap();
    service.delete(&admin, &editors.id).await.unwrap();
    assert_eq!(service.list(&viewer).await.unwrap().len(), 1);
}

async fn a_secret_copied_to_another_row_does_not_open(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let a = member(store, "a@example.com", Role::Editor).await;
    let b = member(store, "b@example.com", Role::Editor).await;
    let victim = service
        .create(&a, "Victim", &api_token(TOKEN), &identity("v"))
        .await
        .unwrap();
    let same_team = service
        .create(&a, "Mine", &api_token("mine"), &identity("m"))
        .await
        .unwrap();
    let other_team = service
        .create(&b, "Theirs", &api_token("theirs"), &identity("t"))
        .await
        .unwrap();
    for target in [&same_team.id, &other_team.id] {
        exec(store, "UPDATE connected_accounts SET secret = (SELECT secret FROM connected_accounts WHERE id = $1) WHERE id = $2", &[
            &victim.id, target,
        ])
        .await;
    }
    for (team, id) in [(&a.team_id, &same_team.id), (&b.team_id, &other_team.id)] {
        let error = service.credential(team, id).await.unwrap_err();
        assert!(
            matches!(
                error,
                ConnectedAccountError::Crypto(CryptoError::Undecryptable)
            ),
            "{error}"
        );
        assert!(!error.to_string().contains(TOKEN));
    }
}

async fn reencrypt_moves_every_secret_to_the_newest_key(store: &Store) {
    let old = ring(&[("old", 1)]);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    let other = member(store, "other@example.com", Role::Editor).await;
    let first = ConnectedAccounts::new(store, &old)
        .create(&editor, "One", &api_token(TOKEN), &identity("u"))
        .await
        .unwrap();
    let oauth = Credential::OAuth {
        access_token: secret("acc"),
        refresh_token: secret("ref"),
        expires_at_ms: 5,
    };
    let second = ConnectedAccounts::new(store, &old)
        .create(&other, "Two", &oauth, &identity("o"))
        .await
        .unwrap();

    let rotated = ring(&[("old", 1), ("new", 2)]);
    let service = ConnectedAccounts::new(store, &rotated);
    assert_eq!(
        service.secrets_by_key().await.unwrap(),
        [("old".to_owned(), 2)]
    );
    assert_eq!(service.reencrypt_all().await.unwrap().resealed, 2);
    assert_eq!(
        service.reencrypt_all().await.unwrap().resealed,
        0,
        "idempotent"
    );
    assert_eq!(
        service.secrets_by_key().await.unwrap(),
        [("new".to_owned(), 2)]
    );

    let only_new = ring(&[("new", 2)]);
    let after = ConnectedAccounts::new(store, &only_new);
    assert_eq!(
        exposed(&after.credential(&editor.team_id, &first.id).await.unwrap())[1],
        TOKEN
    );
    assert_eq!(
        exposed(&after.credential(&other.team_id, &second.id).await.unwrap()),
        ["acc", "ref", "5"]
    );
    let error = ConnectedAccounts::new(store, &old)
        .credential(&editor.team_id, &first.id)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("key new, which is not in the keyring"),
        "{error}"
    );
}

async fn audit_names_the_account_never_the_secret(store: &Store) {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let admin = member(store, "admin@example.com", Role::Admin).await;
    let account = service
        .create(&admin, "Bot", &api_token(TOKEN), &identity("bot"))
        .await
        .unwrap();
    service
        .reauthenticate(
            &admin,
            &account.id,
            &api_token("second-secret-token"),
            &identity("bot"),
        )
        .await
        .unwrap();
    service.delete(&admin, &account.id).await.unwrap();
    let log = store.audit_log(&admin.team_id, 50).await.unwrap();
    let ours: Vec<_> = log
        .iter()
        .filter(|e| e.action.starts_with("connected_account."))
        .collect();
    let actions: Vec<_> = ours.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "connected_account.created",
        "connected_account.reauthenticated",
        "connected_account.deleted",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    for entry in &ours {
        assert!(entry.detail.contains("Bot"), "{}", entry.detail);
        assert!(
            !entry.detail.contains(TOKEN) && !entry.detail.contains("second-secret-token"),
            "{}",
            entry.detail
        );
    }
}

/// Connects one account of each method with distinctive secrets; returns them and the label.
async fn connect_every_method(store: &Store) -> Vec<&'static str> {
    let keys = Keyring::generate();
    let service = ConnectedAccounts::new(store, &keys);
    let editor = member(store, "ed@example.com", Role::Editor).await;
    service
        .create(
            &editor,
            "Plaintext probe",
            &api_token(TOKEN),
            &identity("probe"),
        )
        .await
        .unwrap();
    let app_password = Credential::AppPassword {
        username: "probe".into(),
        password: secret("AppPw-distinctive-9b2d"),
    };
    service
        .create(&editor, "Probe 2", &app_password, &identity("probe"))
        .await
        .unwrap();
    let oauth = Credential::OAuth {
        access_token: secret("OAuthAccess-distinctive-51af"),
        refresh_token: secret("OAuthRefresh-distinctive-e03c"),
        expires_at_ms: 1,
    };
    service
        .create(&editor, "Probe 3", &oauth, &identity("probe"))
        .await
        .unwrap();
    vec![
        TOKEN,
        "AppPw-distinctive-9b2d",
        "OAuthAccess-distinctive-51af",
        "OAuthRefresh-distinctive-e03c",
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_sqlite_files_hold_no_plaintext_secret() {
    let db = ferry_testing::sqlite().await;
    let secrets = connect_every_method(&db.store).await;
    let dir = db.sqlite_path().unwrap().parent().unwrap().to_owned();
    // Every file of the database, including the write-ahead log where fresh pages live.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(
        contains(&bytes, b"Plaintext probe"),
        "the search does see what the rows hold"
    );
    for secret in secrets {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{secret} is in the SQLite files"
        );
    }
}

#[tokio::test]
async fn a_postgres_dump_holds_no_plaintext_secret() {
    let db = ferry_testing::postgres().await;
    let secrets = connect_every_method(&db.store).await;
    let pg_dump = ["/usr/bin/pg_dump"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .chain(glob_pg_dumps())
        .find(|path| path.is_file())
        .expect("pg_dump (apt-get install postgresql-client)");
    let output = std::process::Command::new(pg_dump)
        .arg("--no-owner")
        .arg(db.url_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dump = String::from_utf8(output.stdout).unwrap();
    assert!(dump.contains("Plaintext probe"), "the dump holds the rows");
    for secret in secrets {
        // bytea is dumped as hex: look for both spellings.
        assert!(
            !dump.contains(secret) && !dump.contains(&hex(secret)),
            "{secret} is in the dump"
        );
    }
}

fn glob_pg_dumps() -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("bin/pg_dump"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.reverse();
    found
}
