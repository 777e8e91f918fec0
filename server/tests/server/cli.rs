//! The real `ferry` binary: start-up errors are one clear line, SIGTERM stops it cleanly,
//! and it serves the same on PostgreSQL as on SQLite.

use std::{
    net::TcpListener,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

const FERRY: &str = env!("CARGO_BIN_EXE_ferry");

fn ferry(envs: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(FERRY);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        command.env(k, v);
    }
    command
}

fn run_to_end(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().expect("run ferry")
}

fn assert_one_clear_line(output: &Output, setting: &str) {
    assert!(!output.status.success(), "must exit non-zero");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {stderr}");
    assert!(
        lines[0].starts_with(&format!("error: {setting}")),
        "names {setting}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_database_url_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("FERRY_DATABASE_URL", "mysql://root@x/y"),
        ],
        &["migrate"],
    ));
    assert_one_clear_line(&output, "FERRY_DATABASE_URL");
}

#[test]
fn unreachable_database_is_one_line_without_password() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
            (
                "FERRY_DATABASE_URL",
                "postgres://ferry:hunter22@127.0.0.1:1/ferry",
            ),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&output, "FERRY_DATABASE_URL");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains("hunter22"), "the password never shows: {all}");
}

#[test]
fn port_in_use_is_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", &addr),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&output, "LEPTOS_SITE_ADDR");
    assert!(String::from_utf8_lossy(&output.stderr).contains("in use"));
}

#[test]
fn bitbucket_settings_are_checked_at_start_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let half_oauth = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ("FERRY_BITBUCKET_OAUTH_SECRET", "consumer-s3cret"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&half_oauth, "FERRY_BITBUCKET_OAUTH_KEY");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&half_oauth.stdout),
        String::from_utf8_lossy(&half_oauth.stderr)
    );
    assert!(
        !all.contains("consumer-s3cret"),
        "the secret never shows: {all}"
    );

    let bad_url = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ("FERRY_BITBUCKET_API_URL", "api.bitbucket.org/2.0"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&bad_url, "FERRY_BITBUCKET_API_URL");
}

#[test]
fn webhook_settings_are_checked_at_start_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    for (variable, value) in [
        ("FERRY_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/33"),
        ("FERRY_WEBHOOK_ALLOW_HTTP", "perhaps"),
        ("FERRY_WEBHOOK_LEASE_SECONDS", "10"),
    ] {
        let output = run_to_end(ferry(
            &[
                ("FERRY_DATA_DIR", data),
                ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
                (variable, value),
            ],
            &["serve"],
        ));
        assert_one_clear_line(&output, variable);
    }
}

#[test]
fn bad_listen_address_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", "localhost"),
        ],
        &[],
    ));
    assert_one_clear_line(&output, "LEPTOS_SITE_ADDR");
}

#[test]
fn migrate_creates_the_sqlite_database_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let output = run_to_end(ferry(
        &[("FERRY_DATA_DIR", data.to_str().unwrap())],
        &["migrate"],
    ));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(data.join("ferry.db").is_file());
}

#[test]
fn prune_runs_one_pass_and_bad_limits_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let output = run_to_end(ferry(&[("FERRY_DATA_DIR", data)], &["prune"]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "pruned 0 old revisions (0 bytes), 0 sign-in attempts and 0 sync runs\n"
    );
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("FERRY_RETENTION_REVISIONS_DAYS", "3 months"),
        ],
        &["prune"],
    ));
    assert_one_clear_line(
        &output,
        "FERRY_RETENTION_REVISIONS_DAYS: '3 months' is not a whole number of days",
    );
    let output = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("FERRY_QUOTA_STORAGE_MB", "lots"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&output, "FERRY_QUOTA_STORAGE_MB: 'lots'");
}

fn free_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

async fn wait_ready(url: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = reqwest::get(url).await {
            if response.status() == 200 {
                return response.json().await.unwrap();
            }
        }
        assert!(
            Instant::now() < deadline,
            "ferry did not become ready at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn serves_then_stops_on_sigterm(database_url: Option<String>, expected_backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let mut envs = vec![
        ("FERRY_DATA_DIR", dir.path().to_str().unwrap().to_owned()),
        ("LEPTOS_SITE_ADDR", addr.clone()),
        ("FERRY_LOG_FORMAT", "json".to_owned()),
    ];
    if let Some(url) = database_url {
        envs.push(("FERRY_DATABASE_URL", url));
    }
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = ferry(&envs, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let ready = wait_ready(&format!("http://{addr}/readyz")).await;
    assert_eq!(ready["database"], expected_backend);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "ferry did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().next().expect("JSON log lines");
    let line: serde_json::Value =
        serde_json::from_str(first).expect("--log-format json writes JSON lines");
    assert!(line.get("level").is_some(), "{first}");
    assert!(stdout.contains("shutting down"), "{stdout}");
}

#[tokio::test]
async fn serves_on_sqlite_by_default_and_stops_on_sigterm() {
    serves_then_stops_on_sigterm(None, "sqlite").await;
}

#[tokio::test]
async fn serves_on_postgres_and_stops_on_sigterm() {
    let db = ferry_testing::postgres_unmigrated().await;
    serves_then_stops_on_sigterm(Some(db.url_string()), "postgres").await;
}

/// SIGTERM, then everything the process wrote.
fn stop(mut child: std::process::Child) -> Output {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "ferry did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn run_with_stdin(mut command: Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The operator creates a user in a named team and a key for it; the key works against a
/// running server; and no password or key reaches the logs, even at trace level.
#[tokio::test]
async fn operator_creates_user_and_api_key_and_logs_keep_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let password = "operator-chosen passphrase 42";
    let envs = [("FERRY_DATA_DIR", data.as_str()), ("RUST_LOG", "trace")];

    let created = run_with_stdin(
        ferry(
            &envs,
            &[
                "user",
                "create",
                "--email",
                "Ops@Example.com",
                "--password-stdin",
                "--team",
                "Platform",
            ],
        ),
        &format!("{password}\n"),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let key_output = run_to_end(ferry(
        &envs,
        &[
            "apikey",
            "create",
            "--email",
            "ops@example.com",
            "--team",
            "Platform",
            "--name",
            "deploy",
        ],
    ));
    assert!(
        key_output.status.success(),
        "{}",
        String::from_utf8_lossy(&key_output.stderr)
    );
    let stdout = String::from_utf8_lossy(&key_output.stdout);
    let key = stdout.lines().last().unwrap().trim().to_owned();
    assert!(key.starts_with("ferry_"), "{stdout}");

    let unknown = run_to_end(ferry(
        &envs,
        &[
            "apikey",
            "create",
            "--email",
            "ops@example.com",
            "--team",
            "Nope",
        ],
    ));
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--team"));

    let addr = free_port();
    let serve_envs = [
        ("FERRY_DATA_DIR", data.as_str()),
        ("RUST_LOG", "trace"),
        ("LEPTOS_SITE_ADDR", addr.as_str()),
    ];
    let child = ferry(&serve_envs, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&format!("http://{addr}/readyz")).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let me: serde_json::Value = client
        .get(format!("http://{addr}/api/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["team"]["name"], "Platform");
    assert_eq!(me["role"], "admin");
    let signed_in = client
        .post(format!("http://{addr}/signin"))
        .header("origin", format!("http://{addr}"))
        .form(&[("email", "ops@example.com"), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/");
    client
        .get(format!("http://{addr}/api/me?apikey={key}"))
        .send()
        .await
        .unwrap();

    let output = stop(child);
    let logs = format!(
        "{}{}{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&created.stderr),
        String::from_utf8_lossy(&key_output.stderr),
    );
    assert!(logs.contains("/api/me"), "the requests were logged at all");
    assert!(!logs.contains(password), "the password never reaches a log");
    let secret_part = key.rsplit('_').next().unwrap();
    assert!(
        !logs.contains(secret_part),
        "the API key never reaches a log"
    );
}

/// First start without keys: a key file owned by the operator alone, a warning in the log,
/// and the key itself nowhere in the output.
#[tokio::test]
async fn first_start_generates_an_owner_only_key_file_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let child = ferry(
        &[
            ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", &addr),
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_ready(&format!("http://{addr}/readyz")).await;
    let output = stop(child);
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let path = dir.path().join("encryption-keys");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().find(|l| !l.starts_with('#')).unwrap();
    let (id, key) = line.split_once(':').unwrap();
    assert_eq!(key.len(), 44, "32 bytes of base64");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        logs.contains("WARN") && logs.contains("created a key file"),
        "{logs}"
    );
    assert!(
        logs.contains(id) && !logs.contains(key),
        "the key id is logged, never the key: {logs}"
    );
}

#[test]
fn malformed_keys_are_one_line_naming_the_variable_or_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let short = "AAAAAAAAAAAAAAAAAAAAAA==";
    let from_env = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("FERRY_ENCRYPTION_KEYS", &format!("k1:{short}")),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(&from_env, "FERRY_ENCRYPTION_KEYS entry 1");
    assert!(!String::from_utf8_lossy(&from_env.stderr).contains(short));

    let file = dir.path().join("keys");
    std::fs::write(&file, "# ours\nk1 AAAA\n").unwrap();
    let from_file = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data),
            ("FERRY_ENCRYPTION_KEY_FILE", file.to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
        &["serve"],
    ));
    assert_one_clear_line(
        &from_file,
        &format!("encryption key file {} line 2", file.display()),
    );
}

/// Rotate, re-encrypt, drop the old key from the file: the stored credential still opens.
#[tokio::test]
async fn keys_rotate_reencrypt_and_the_old_key_can_go() {
    use ferry_domain::{
        accounts::{Accounts, TeamRef},
        auth::ExposeSecret,
        bitbucket::Credential,
        connected_accounts::{ConnectedAccounts, VerifiedIdentity},
        crypto::KeySource,
        DatabaseUrl, Store,
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let envs = [("FERRY_DATA_DIR", data.as_str())];
    let created = run_with_stdin(
        ferry(
            &envs,
            &[
                "user",
                "create",
                "--email",
                "ops@example.com",
                "--password-stdin",
                "--team",
                "Platform",
            ],
        ),
        "a long operator passphrase\n",
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let key_file = KeySource::File(dir.path().join("encryption-keys"));
    let token = "ATATT-rotation-probe-token";
    let url = DatabaseUrl::Sqlite(dir.path().join("ferry.db"));
    let store = Store::connect(&url).await.unwrap();
    let actor = Accounts::new(&store)
        .member_actor("ops@example.com", TeamRef::Named("Platform"))
        .await
        .unwrap();
    let credential = Credential::ApiToken {
        email: "ops@example.com".into(),
        token: token.to_owned().into(),
    };
    let identity = VerifiedIdentity {
        display_name: "Ops".into(),
        username: "ops".into(),
        user_uuid: "{ops}".into(),
    };
    let account = ConnectedAccounts::new(&store, &key_file.load().unwrap())
        .create(&actor, "Backups", &credential, &identity)
        .await
        .unwrap();
    let old_id = key_file.load().unwrap().newest().to_string();

    let rotated = run_to_end(ferry(&envs, &["keys", "rotate"]));
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new_id = key_file.load().unwrap().newest().to_string();
    assert_ne!(new_id, old_id);
    assert!(String::from_utf8_lossy(&rotated.stdout).contains(&format!("added key {new_id}")));

    let listed =
        String::from_utf8_lossy(&run_to_end(ferry(&envs, &["keys", "list"])).stdout).into_owned();
    assert!(
        listed.contains(&format!("{old_id}  1 secrets\n")),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("{new_id}  0 secrets  (newest)")),
        "{listed}"
    );

    let reencrypted = run_to_end(ferry(&envs, &["keys", "reencrypt"]));
    assert!(
        reencrypted.status.success(),
        "{}",
        String::from_utf8_lossy(&reencrypted.stderr)
    );
    assert!(String::from_utf8_lossy(&reencrypted.stdout)
        .contains(&format!("re-encrypted 1 secrets under key {new_id}")));
    let again = String::from_utf8_lossy(&run_to_end(ferry(&envs, &["keys", "reencrypt"])).stdout)
        .into_owned();
    assert!(
        again.contains("re-encrypted 0 secrets"),
        "idempotent: {again}"
    );

    let path = dir.path().join("encryption-keys");
    let text = std::fs::read_to_string(&path).unwrap();
    let without_old: String = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{old_id}:")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without_old, text);
    std::fs::write(&path, without_old).unwrap();
    let keyring = key_file.load().unwrap();
    assert_eq!(keyring.ids().len(), 1);
    let opened = ConnectedAccounts::new(&store, &keyring)
        .credential(&actor.team_id, &account.id)
        .await
        .unwrap();
    let Credential::ApiToken { token: opened, .. } = opened else {
        panic!("an API token")
    };
    assert_eq!(opened.expose_secret(), token);
    store.close().await;

    let listed =
        String::from_utf8_lossy(&run_to_end(ferry(&envs, &["keys", "list"])).stdout).into_owned();
    assert_eq!(listed, format!("{new_id}  1 secrets  (newest)\n"));

    let from_env = run_to_end(ferry(
        &[
            ("FERRY_DATA_DIR", data.as_str()),
            (
                "FERRY_ENCRYPTION_KEYS",
                "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ),
        ],
        &["keys", "rotate"],
    ));
    assert_one_clear_line(
        &from_env,
        "the encryption keys come from FERRY_ENCRYPTION_KEYS",
    );
    assert!(String::from_utf8_lossy(&from_env.stderr).contains("append a new id:base64key"));
}

/// `FERRY_DEMO_SANDBOX=1` (what `scripts/run` sets) makes the Integrations pages say that
/// Bitbucket is the local sandbox; `0` or unset does not.
#[tokio::test]
async fn the_demo_sandbox_flag_is_read_from_the_environment() {
    for (value, shown) in [(Some("1"), true), (Some("0"), false), (None, false)] {
        let dir = tempfile::tempdir().unwrap();
        let addr = free_port();
        let mut envs = vec![
            ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", addr.as_str()),
        ];
        envs.extend(value.map(|v| ("FERRY_DEMO_SANDBOX", v)));
        let mut child = ferry(&envs, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if let Ok(page) = reqwest::get(format!("http://{addr}/integrations")).await {
                    return page.text().await.unwrap();
                }
                if let Some(exit) = child.try_wait().unwrap() {
                    panic!("ferry exited with FERRY_DEMO_SANDBOX={value:?}: {exit:?}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("ferry serves /integrations");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            ready.contains("Bitbucket here is a local sandbox"),
            shown,
            "FERRY_DEMO_SANDBOX={value:?}: {ready}"
        );
    }
}

/// A team name is no proof of belonging (anyone who signs up can name a team "Platform"):
/// `user create --team NAME` makes a new team and refuses a taken name, pointing to
/// `--team-id`, which joins a team explicitly; `apikey create --team NAME` refuses a name two
/// of the user's teams share, and `--team-id` picks one. On SQLite and PostgreSQL.
async fn operator_names_existing_teams_by_id(db: ferry_testing::TestDatabase) {
    use ferry_domain::accounts::{Accounts, TeamRef};

    let dir = tempfile::tempdir().unwrap();
    let url = db.url_string();
    let envs = [
        ("FERRY_DATA_DIR", dir.path().to_str().unwrap()),
        ("FERRY_DATABASE_URL", url.as_str()),
    ];
    let create_user = |email: &str, team_flags: &[&str]| {
        let args = [
            &["user", "create", "--email", email, "--password-stdin"][..],
            team_flags,
        ]
        .concat();
        run_with_stdin(ferry(&envs, &args), "a long operator passphrase\n")
    };

    let mallory = create_user("mallory@example.com", &["--team", "Platform"]);
    assert!(
        mallory.status.success(),
        "{}",
        String::from_utf8_lossy(&mallory.stderr)
    );
    let accounts = Accounts::new(&db.store);
    let mallory = accounts
        .member_actor("mallory@example.com", TeamRef::Named("Platform"))
        .await
        .unwrap();

    let refused = create_user("ops@example.com", &["--team", "Platform"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("a team named “Platform” already exists") && stderr.contains("--team-id"),
        "{stderr}"
    );
    assert!(
        db.store
            .user_by_email("ops@example.com")
            .await
            .unwrap()
            .is_none(),
        "nobody was created"
    );

    let ops = create_user("ops@example.com", &["--team", "Ops"]);
    assert!(
        ops.status.success(),
        "{}",
        String::from_utf8_lossy(&ops.stderr)
    );
    let ops = accounts
        .member_actor("ops@example.com", TeamRef::Named("Ops"))
        .await
        .unwrap();
    assert_eq!(
        db.store.members(&mallory.team_id).await.unwrap().len(),
        1,
        "Mallory's team gained nobody"
    );

    // Ops now belongs to two teams named Platform: Mallory's (invited) and one of their own.
    let own_platform = accounts
        .create_team(&ops, "Platform", "console")
        .await
        .unwrap();
    let invite = accounts
        .create_invite(&mallory, ferry_domain::auth::Role::Viewer, "console")
        .await
        .unwrap();
    accounts
        .accept_invite(&ops, invite.token.expose_secret(), "console")
        .await
        .unwrap();
    let ambiguous = run_to_end(ferry(
        &envs,
        &[
            "apikey",
            "create",
            "--email",
            "ops@example.com",
            "--team",
            "Platform",
        ],
    ));
    assert!(!ambiguous.status.success());
    let stderr = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(
        stderr.contains("2 teams named “Platform”")
            && stderr.contains("--team-id")
            && stderr.contains(&own_platform),
        "{stderr}"
    );

    let key = run_to_end(ferry(
        &envs,
        &[
            "apikey",
            "create",
            "--email",
            "ops@example.com",
            "--team-id",
            &own_platform,
        ],
    ));
    assert!(
        key.status.success(),
        "{}",
        String::from_utf8_lossy(&key.stderr)
    );
    let keys = db.store.api_keys(&own_platform).await.unwrap();
    assert_eq!(
        (keys.len(), keys[0].role.as_str()),
        (1, "admin"),
        "the key is in the team chosen by id"
    );
    assert!(db
        .store
        .api_keys(&mallory.team_id)
        .await
        .unwrap()
        .is_empty());

    // Joining an existing team is explicit: by its id.
    let joined = create_user("second.admin@example.com", &["--team-id", &own_platform]);
    assert!(
        joined.status.success(),
        "{}",
        String::from_utf8_lossy(&joined.stderr)
    );
    let member = accounts
        .member_actor("second.admin@example.com", TeamRef::Id(&own_platform))
        .await
        .unwrap();
    assert_eq!(member.role, ferry_domain::auth::Role::Admin);
    let unknown = create_user("third@example.com", &["--team-id", "no-such-team"]);
    assert!(String::from_utf8_lossy(&unknown.stderr)
        .contains("--team-id: no team has the id no-such-team"));
    assert!(db
        .store
        .user_by_email("third@example.com")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn operator_names_existing_teams_by_id_on_sqlite() {
    operator_names_existing_teams_by_id(ferry_testing::sqlite().await).await;
}

#[tokio::test]
async fn operator_names_existing_teams_by_id_on_postgres() {
    operator_names_existing_teams_by_id(ferry_testing::postgres().await).await;
}
