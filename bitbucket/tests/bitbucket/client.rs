//! The Bitbucket client against the real sandbox: real HTTP, real OAuth, real git
//! repositories read back with the git CLI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bitbucket_sandbox::{
    ApiToken, Config, Faults, OAuthConsumer as SeedConsumer, Repository, Running, Seed, User,
    Workspace,
};
use ferry_bitbucket::{
    parse_base_url, AuthMethod, BitbucketClient, BitbucketConfig, BitbucketError, CommitHash,
    CommitRequest, Credential, OAuthConsumer, Url,
};
use secrecy::SecretString;

pub(crate) const EMAIL: &str = "alice@example.com";
pub(crate) const TOKEN: &str = "ATATT-alice-rw";
pub(crate) const TOKEN_USER_ONLY: &str = "ATATT-alice-user-only";
const TOKEN_EXPIRED: &str = "ATATT-alice-expired";
pub(crate) const APP_PASSWORD: &str = "alice-app-password";
const CONSUMER_KEY: &str = "ferry-consumer";
const CONSUMER_SECRET: &str = "ferry-consumer-secret";
const CALLBACK: &str = "http://127.0.0.1:3000/integrations/bitbucket/oauth/callback";
pub(crate) const ALL_API_SCOPES: [&str; 4] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "write:repository:bitbucket",
];

/// alice administers `acme`; bob owns `oss` (one private, one public repository).
pub(crate) fn seed() -> Seed {
    let mut alice = User::new("alice", EMAIL)
        .api_token(TOKEN, &ALL_API_SCOPES)
        .api_token(TOKEN_USER_ONLY, &["read:user:bitbucket"])
        .app_password(APP_PASSWORD, &["account", "repository:write"]);
    alice.display_name = "Alice Example".to_owned();
    alice.api_tokens.push(ApiToken {
        token: TOKEN_EXPIRED.to_owned(),
        scopes: ALL_API_SCOPES.map(str::to_owned).to_vec(),
        expires_at: Some("2020-01-01T00:00:00Z".to_owned()),
    });
    Seed::default()
        .user(alice)
        .user(User::new("bob", "bob@example.com"))
        .workspace(
            Workspace::new("acme")
                .member("alice", true)
                .repository(Repository::new("backups").file("README.md", "# Backups\n"))
                .repository(Repository::new("legacy").main_branch("master"))
                .repository(Repository::new("fresh").empty()),
        )
        .workspace(
            Workspace::new("oss")
                .member("bob", true)
                .repository(Repository::new("vault"))
                .repository(Repository::new("website").public()),
        )
        .oauth_consumer(SeedConsumer::new(CONSUMER_KEY, CONSUMER_SECRET, CALLBACK))
}

pub(crate) struct Sandbox {
    pub(crate) running: Running,
    data: tempfile::TempDir,
}

impl Sandbox {
    pub(crate) async fn start(seed: Seed) -> Self {
        Self::start_with(seed, |_| {}).await
    }

    async fn start_with(seed: Seed, adjust: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().expect("temporary data directory");
        let mut config = Config::new(data.path(), seed);
        adjust(&mut config);
        let running = bitbucket_sandbox::start(config)
            .await
            .expect("sandbox starts");
        Sandbox { running, data }
    }

    fn config(&self) -> BitbucketConfig {
        let api = parse_base_url(&self.running.api_url()).unwrap();
        let web = parse_base_url(self.running.url()).unwrap();
        BitbucketConfig::new(api, web).with_oauth(OAuthConsumer {
            key: CONSUMER_KEY.to_owned(),
            secret: SecretString::from(CONSUMER_SECRET.to_owned()),
            redirect_url: Url::parse(CALLBACK).unwrap(),
        })
    }

    pub(crate) fn client(&self) -> BitbucketClient {
        BitbucketClient::new(self.config()).unwrap()
    }

    pub(crate) fn bare_repo(&self, workspace: &str, slug: &str) -> PathBuf {
        self.data
            .path()
            .join("repositories")
            .join(workspace)
            .join(format!("{slug}.git"))
    }

    /// Revokes a token through the admin endpoint, as an Atlassian admin would.
    async fn revoke(&self, secret: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/admin/revoke", self.running.url()))
            .json(&serde_json::json!({ "token": secret }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    /// Walks the consent page the way a browser does: open the authorize URL with `as=alice`
    /// (the sandbox's stand-in for being signed in), press "Grant access", follow the
    /// redirect's `code` back into the client.
    async fn connect_with_oauth(&self, client: &BitbucketClient) -> Credential {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let authorize = client.authorize_url("state-7f3a").unwrap();
        let page = browser
            .get(format!("{authorize}&as=alice"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("Grant access") && page.contains("value=\"alice\""),
            "{page}"
        );
        let granted = browser
            .post(format!("{}/site/oauth2/authorize", self.running.url()))
            .form(&[
                ("client_id", CONSUMER_KEY),
                ("state", "state-7f3a"),
                ("username", "alice"),
                ("decision", "grant"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(granted.status(), 302);
        let location = Url::parse(granted.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(CALLBACK), "{location}");
        let param = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(param("state").as_deref(), Some("state-7f3a"));
        client
            .exchange_code(&param("code").expect("code"))
            .await
            .expect("code exchange")
    }
}

pub(crate) fn api_token(token: &str) -> Credential {
    Credential::ApiToken {
        email: EMAIL.to_owned(),
        token: SecretString::from(token.to_owned()),
    }
}

pub(crate) fn app_password(password: &str) -> Credential {
    Credential::AppPassword {
        username: "alice".to_owned(),
        password: SecretString::from(password.to_owned()),
    }
}

fn secrets_of(credential: &Credential) -> Vec<String> {
    use secrecy::ExposeSecret;
    match credential {
        Credential::ApiToken { token, .. } => vec![token.expose_secret().to_owned()],
        Credential::AppPassword { password, .. } => vec![password.expose_secret().to_owned()],
        Credential::OAuth {
            access_token,
            refresh_token,
            ..
        } => {
            vec![
                access_token.expose_secret().to_owned(),
                refresh_token.expose_secret().to_owned(),
            ]
        }
    }
}

fn assert_no_secret(error: &BitbucketError, credential: &Credential) {
    let shown = format!("{error} {error:?}");
    for secret in secrets_of(credential) {
        assert!(
            !shown.contains(&secret),
            "the error shows a secret: {shown}"
        );
    }
}

pub(crate) fn git(git_dir: &Path, args: &[&str]) -> String {
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
    String::from_utf8(output.stdout)
        .unwrap()
        .trim_end()
        .to_owned()
}

pub(crate) fn commit(
    branch: &str,
    parent: Option<CommitHash>,
    files: &[(&str, &str)],
) -> CommitRequest {
    CommitRequest {
        workspace: "acme".to_owned(),
        repository: "backups".to_owned(),
        branch: branch.to_owned(),
        parent,
        author: "Dana Editor <dana@example.com>".to_owned(),
        message: "Update \"Users API\": added \"Create user\"".to_owned(),
        files: files
            .iter()
            .map(|(path, content)| (path.to_string(), content.as_bytes().to_vec()))
            .collect(),
        deletions: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_accepts_an_api_token_an_app_password_and_an_oauth_grant() {
    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let oauth = sandbox.connect_with_oauth(&client).await;
    for credential in [api_token(TOKEN), app_password(APP_PASSWORD), oauth] {
        let account = client
            .verify(&credential)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", credential.method()));
        assert_eq!(account.username, "alice");
        assert_eq!(account.display_name, "Alice Example");
        assert!(
            account.uuid.starts_with('{') && account.uuid.ends_with('}'),
            "{}",
            account.uuid
        );
        let slugs: Vec<&str> = account.workspaces.iter().map(|w| w.slug.as_str()).collect();
        assert_eq!(slugs, ["acme"], "only the workspaces alice belongs to");
        assert!(account.workspaces[0].uuid.starts_with('{'));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_says_precisely_which_credential_problem_it_met() {
    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let cases = [
        (
            api_token("ATATT-not-a-token"),
            BitbucketError::WrongCredential {
                method: AuthMethod::ApiToken,
            },
        ),
        (
            Credential::ApiToken {
                email: "alice".to_owned(),
                token: SecretString::from(TOKEN.to_owned()),
            },
            BitbucketError::WrongCredential {
                method: AuthMethod::ApiToken,
            },
        ),
        (
            app_password("wrong-password"),
            BitbucketError::WrongCredential {
                method: AuthMethod::AppPassword,
            },
        ),
        (
            api_token(TOKEN_EXPIRED),
            BitbucketError::Expired {
                method: AuthMethod::ApiToken,
            },
        ),
        (
            api_token(TOKEN_USER_ONLY),
            BitbucketError::MissingScope {
                needed: vec!["read:workspace:bitbucket".to_owned()],
            },
        ),
    ];
    for (credential, expected) in cases {
        let error = client.verify(&credential).await.unwrap_err();
        assert_eq!(error, expected);
        assert!(
            error.is_auth()
                == matches!(
                    expected,
                    BitbucketError::WrongCredential { .. } | BitbucketError::Expired { .. }
                )
        );
        assert!(!error.is_retryable());
        assert_no_secret(&error, &credential);
    }
    let scope = client
        .verify(&api_token(TOKEN_USER_ONLY))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        scope.contains("read:workspace:bitbucket") && scope.contains("authenticate again"),
        "{scope}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_or_expired_oauth_token_is_an_auth_error_and_refresh_rotates() {
    let sandbox = Sandbox::start_with(seed(), |config| {
        config.access_token_ttl = Duration::from_secs(3)
    })
    .await;
    let client = sandbox.client();
    let first = sandbox.connect_with_oauth(&client).await;
    let Credential::OAuth {
        refresh_token,
        expires_at_ms,
        ..
    } = &first
    else {
        panic!("OAuth credential")
    };
    let now = ferry_bitbucket::now_ms();
    assert!(
        (now + 2_000..=now + 3_500).contains(expires_at_ms),
        "expiry read from expires_in: {expires_at_ms} vs {now}"
    );

    let second = client.refresh(refresh_token).await.expect("refresh");
    let Credential::OAuth {
        access_token: access_2,
        refresh_token: refresh_2,
        ..
    } = &second
    else {
        panic!()
    };
    assert_ne!(
        secrets_of(&second),
        secrets_of(&first),
        "both tokens are new"
    );
    client
        .verify(&second)
        .await
        .expect("the refreshed access token works");

    // The rotated-out refresh token is dead.
    let reused = client.refresh(refresh_token).await.unwrap_err();
    assert_eq!(
        reused,
        BitbucketError::WrongCredential {
            method: AuthMethod::OAuth
        }
    );
    assert_no_secret(&reused, &first);

    // A revoked access token: refused, re-authentication needed.
    sandbox.revoke(use_secret(access_2)).await;
    let revoked = client.verify(&second).await.unwrap_err();
    assert_eq!(
        revoked,
        BitbucketError::WrongCredential {
            method: AuthMethod::OAuth
        }
    );
    assert!(revoked.is_auth() && !revoked.is_retryable());
    assert!(
        revoked.to_string().contains("connect with Bitbucket again"),
        "{revoked}"
    );

    // An access token past its lifetime is Expired (refresh, then carry on).
    let third = client
        .refresh(refresh_2)
        .await
        .expect("refresh with the rotated token");
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    assert_eq!(
        client.verify(&third).await.unwrap_err(),
        BitbucketError::Expired {
            method: AuthMethod::OAuth
        }
    );
}

fn use_secret(secret: &SecretString) -> &str {
    secrecy::ExposeSecret::expose_secret(secret)
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_needs_a_configured_and_accepted_consumer() {
    let sandbox = Sandbox::start(seed()).await;
    let without = BitbucketClient::new(BitbucketConfig {
        oauth: None,
        ..sandbox.config()
    })
    .unwrap();
    assert!(!without.oauth_enabled());
    assert_eq!(
        without.authorize_url("s").unwrap_err(),
        BitbucketError::OAuthNotConfigured
    );

    let client = sandbox.client();
    assert!(
        !format!("{client:?}").contains(CONSUMER_SECRET),
        "the consumer secret is redacted"
    );
    let url = client.authorize_url("a b&c").unwrap();
    assert_eq!(url.path(), "/site/oauth2/authorize");
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    for pair in [
        ("response_type", "code"),
        ("client_id", CONSUMER_KEY),
        ("state", "a b&c"),
    ] {
        assert!(
            query.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{query:?}"
        );
    }

    let mut wrong_secret = sandbox.config();
    wrong_secret.oauth.as_mut().unwrap().secret = SecretString::from("not-the-secret".to_owned());
    let wrong = BitbucketClient::new(wrong_secret).unwrap();
    assert_eq!(
        wrong.exchange_code("whatever").await.unwrap_err(),
        BitbucketError::ConsumerRejected
    );
    assert_eq!(
        client.exchange_code("not-a-code").await.unwrap_err(),
        BitbucketError::WrongCredential {
            method: AuthMethod::OAuth
        }
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_is_unreachable_and_faults_are_retryable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let base = |path: &str| parse_base_url(&format!("http://127.0.0.1:{port}{path}")).unwrap();
    let nobody = BitbucketClient::new(BitbucketConfig::new(base("/2.0"), base(""))).unwrap();
    let error = nobody.verify(&api_token(TOKEN)).await.unwrap_err();
    let BitbucketError::Unreachable { reason } = &error else {
        panic!("{error:?}")
    };
    assert!(
        reason.contains("refused") && reason.contains("127.0.0.1"),
        "{reason}"
    );
    assert!(error.is_retryable() && !error.is_auth());
    assert_eq!(
        nobody.calls().snapshot()[0].status,
        None,
        "a call without an answer is counted too"
    );

    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    for status in [500, 502, 503] {
        sandbox
            .running
            .set_faults(Faults {
                error_rate: 1.0,
                error_statuses: vec![status],
                ..Faults::default()
            })
            .unwrap();
        let error = client
            .repositories(&credential, "acme", None)
            .await
            .unwrap_err();
        assert_eq!(error, BitbucketError::Server { status });
        assert!(error.is_retryable());
    }
    sandbox
        .running
        .set_faults(Faults {
            rate_limit: Some(2),
            ..Faults::default()
        })
        .unwrap();
    client
        .repositories(&credential, "acme", None)
        .await
        .unwrap();
    client
        .repository(&credential, "acme", "backups")
        .await
        .unwrap();
    let limited = client
        .repository(&credential, "acme", "backups")
        .await
        .unwrap_err();
    assert_eq!(limited, BitbucketError::RateLimited);
    assert!(limited.is_retryable());

    sandbox
        .running
        .set_faults(Faults {
            drop_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let dropped = client.verify(&credential).await.unwrap_err();
    assert!(
        matches!(dropped, BitbucketError::Unreachable { .. }),
        "{dropped:?}"
    );

    let impatient = BitbucketClient::new(
        sandbox
            .config()
            .with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    sandbox
        .running
        .set_faults(Faults {
            slow_rate: 1.0,
            slow_ms: 3_000,
            ..Faults::default()
        })
        .unwrap();
    let slow = impatient.verify(&credential).await.unwrap_err();
    let BitbucketError::Unreachable { reason } = &slow else {
        panic!("{slow:?}")
    };
    assert!(reason.contains("timed out"), "{reason}");

    // Every call was counted by method and answer, the clones sharing one tally.
    let counts = client.calls().snapshot();
    let count = |status: Option<u16>| {
        counts
            .iter()
            .filter(|row| row.method == "GET" && row.status == status)
            .map(|row| row.count)
            .sum::<u64>()
    };
    assert_eq!(
        (count(Some(500)), count(Some(502)), count(Some(503))),
        (1, 1, 1),
        "{counts:?}"
    );
    assert_eq!(
        (count(Some(200)), count(Some(429)), count(None)),
        (2, 1, 1),
        "{counts:?}"
    );
    assert_eq!(client.calls().total(), 7);
    assert_eq!(
        sandbox.client().calls().total(),
        0,
        "each client keeps its own tally"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn repositories_lists_only_writable_ones_across_pages_and_searches_by_name() {
    let mut big = Workspace::new("big").member("alice", false);
    for n in 0..120 {
        big = big.repository(Repository::new(&format!("api-{n:03}")).empty());
    }
    let sandbox = Sandbox::start(seed().workspace(big)).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);

    let all = client.repositories(&credential, "big", None).await.unwrap();
    assert_eq!(all.len(), 120);
    assert_eq!(all[0].full_name, "big/api-000");
    assert_eq!(all[119].slug, "api-119");
    let listing_calls = sandbox
        .running
        .requests()
        .iter()
        .filter(|r| r.path == "/2.0/repositories/big")
        .count();
    assert_eq!(listing_calls, 2, "two pages of 100");

    let found = client
        .repositories(&credential, "big", Some(" api-11"))
        .await
        .unwrap();
    let slugs: Vec<&str> = found.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(
        slugs,
        (110..120).map(|n| format!("api-{n}")).collect::<Vec<_>>()
    );
    assert!(client
        .repositories(&credential, "big", Some("no \"such\" repo"))
        .await
        .unwrap()
        .is_empty());

    // `oss` has a public repository alice can read but not write: not offered.
    let public = reqwest::Client::new()
        .get(format!("{}/repositories/oss", sandbox.running.api_url()))
        .basic_auth(EMAIL, Some(TOKEN))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        public["values"].as_array().unwrap().len(),
        1,
        "alice can see oss/website"
    );
    assert!(client
        .repositories(&credential, "oss", None)
        .await
        .unwrap()
        .is_empty());

    let acme = client
        .repositories(&credential, "acme", None)
        .await
        .unwrap();
    let legacy = acme.iter().find(|r| r.slug == "legacy").unwrap();
    assert_eq!(legacy.main_branch.as_deref(), Some("master"));
    assert!(legacy.is_private);
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_repositories_branches_tips_and_files_and_names_what_is_missing() {
    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let credential = app_password(APP_PASSWORD);

    let repo = client
        .repository(&credential, "acme", "backups")
        .await
        .unwrap();
    assert_eq!(
        (repo.full_name.as_str(), repo.main_branch.as_deref()),
        ("acme/backups", Some("main"))
    );
    let missing = client
        .repository(&credential, "acme", "nope")
        .await
        .unwrap_err();
    assert_eq!(
        missing,
        BitbucketError::NotFound {
            what: "repository acme/nope".to_owned()
        }
    );
    assert!(
        missing.to_string().contains("deleted or renamed"),
        "{missing}"
    );
    let private = client
        .repository(&credential, "oss", "vault")
        .await
        .unwrap_err();
    assert!(
        matches!(&private, BitbucketError::Forbidden { reason } if reason.contains("oss/vault")),
        "{private:?}"
    );

    let branches = client
        .branches(&credential, "acme", "backups")
        .await
        .unwrap();
    assert_eq!(branches.len(), 1);
    assert_eq!(branches[0].name, "main");
    let tip = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tip, branches[0].tip);
    assert_eq!(
        tip.as_str(),
        git(
            &sandbox.bare_repo("acme", "backups"),
            &["rev-parse", "main"]
        )
    );
    assert_eq!(
        client
            .branch_tip(&credential, "acme", "backups", "ma")
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        client
            .branch_tip(&credential, "acme", "gone", "main")
            .await
            .unwrap_err(),
        BitbucketError::NotFound { .. }
    ));

    assert_eq!(
        client
            .file(&credential, "acme", "backups", &tip, "README.md")
            .await
            .unwrap()
            .unwrap(),
        b"# Backups\n"
    );
    assert_eq!(
        client
            .file(
                &credential,
                "acme",
                "backups",
                &tip,
                "Postman Collections/x.json"
            )
            .await
            .unwrap(),
        None
    );
    let unknown = CommitHash::parse(&"0".repeat(40)).unwrap();
    assert!(matches!(
        client
            .file(&credential, "acme", "backups", &unknown, "README.md")
            .await
            .unwrap_err(),
        BitbucketError::NotFound { .. }
    ));
    let url = client.commit_web_url("acme", "backups", &tip);
    assert_eq!(
        url.as_str(),
        format!("{}/acme/backups/commits/{tip}", sandbox.running.url())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn commits_several_files_at_once_and_refuses_a_stale_parent() {
    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    let bare = sandbox.bare_repo("acme", "backups");
    let tip = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap();

    let files = [
        (
            "Postman Collections/Users API.postman_collection.json",
            "{\"info\":{\"name\":\"Users API\"}}\n",
        ),
        (
            "Postman Collections/Ünïcode & more.postman_collection.json",
            "{}\n",
        ),
    ];
    let hash = client
        .commit_files(&credential, commit("main", tip.clone(), &files))
        .await
        .unwrap();
    assert_eq!(git(&bare, &["rev-parse", "main"]), hash.as_str());
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%an <%ae>", "main"]),
        "Dana Editor <dana@example.com>"
    );
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%B", "main"]),
        "Update \"Users API\": added \"Create user\""
    );
    assert_eq!(
        git(&bare, &["rev-parse", "main^"]),
        tip.as_ref().unwrap().as_str(),
        "on top of the given parent"
    );
    let changed = git(
        &bare,
        &[
            "-c",
            "core.quotePath=false",
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            "main",
        ],
    );
    assert_eq!(
        changed.lines().count(),
        2,
        "both files in one commit: {changed}"
    );
    for (path, content) in files {
        assert_eq!(
            git(&bare, &["show", &format!("main:{path}")]),
            content.trim_end()
        );
        assert_eq!(
            client
                .file(&credential, "acme", "backups", &hash, path)
                .await
                .unwrap()
                .unwrap(),
            content.as_bytes()
        );
    }
    assert_eq!(
        git(&bare, &["show", "main:README.md"]),
        "# Backups",
        "untouched files carry over"
    );

    // The branch has moved to `hash`: a commit on the old tip is refused, nothing changes.
    let stale = client
        .commit_files(&credential, commit("main", tip, &[("a.json", "{}")]))
        .await
        .unwrap_err();
    assert_eq!(stale, BitbucketError::Conflict);
    assert!(!stale.is_retryable() && !stale.is_auth());
    assert_eq!(git(&bare, &["rev-parse", "main"]), hash.as_str());

    // A parent Bitbucket has never seen is a conflict too: re-read the tip.
    let unknown = CommitHash::parse(&"1".repeat(40)).unwrap();
    let rewritten = client
        .commit_files(
            &credential,
            commit("main", Some(unknown), &[("a.json", "{}")]),
        )
        .await;
    assert_eq!(rewritten.unwrap_err(), BitbucketError::Conflict);

    // No write access: alice is not in `oss`.
    let outsider = CommitRequest {
        workspace: "oss".to_owned(),
        repository: "website".to_owned(),
        ..commit("main", None, &[("a.json", "{}")])
    };
    let refused = client
        .commit_files(&credential, outsider)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, BitbucketError::Forbidden { reason } if reason.contains("oss/website")),
        "{refused:?}"
    );
    assert!(
        client
            .commit_files(&credential, commit("main", None, &[]))
            .await
            .is_err(),
        "an empty commit is refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_on_a_new_branch_creates_it_from_the_parent() {
    let sandbox = Sandbox::start(seed()).await;
    let client = sandbox.client();
    let credential = api_token(TOKEN);
    let bare = sandbox.bare_repo("acme", "backups");
    let main = client
        .branch_tip(&credential, "acme", "backups", "main")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        client
            .branch_tip(&credential, "acme", "backups", "ferry/backups")
            .await
            .unwrap(),
        None
    );

    let hash = client
        .commit_files(
            &credential,
            commit(
                "ferry/backups",
                None,
                &[("collections/users.json", "{\"a\":1}\n")],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        client
            .branch_tip(&credential, "acme", "backups", "ferry/backups")
            .await
            .unwrap(),
        Some(hash.clone())
    );
    assert_eq!(
        git(&bare, &["rev-parse", "ferry/backups^"]),
        main.as_str(),
        "branched from main's tip"
    );
    assert_eq!(
        git(&bare, &["rev-parse", "main"]),
        main.as_str(),
        "main did not move"
    );
    let names: Vec<String> = client
        .branches(&credential, "acme", "backups")
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert!(
        names.contains(&"ferry/backups".to_owned()) && names.contains(&"main".to_owned()),
        "{names:?}"
    );

    // An empty repository: no branches, and the first commit becomes its root.
    assert!(client
        .branches(&credential, "acme", "fresh")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        client
            .branch_tip(&credential, "acme", "fresh", "main")
            .await
            .unwrap(),
        None
    );
    let fresh = CommitRequest {
        repository: "fresh".to_owned(),
        ..commit("main", None, &[("a.json", "{}\n")])
    };
    let root = client.commit_files(&credential, fresh).await.unwrap();
    let fresh_repo = sandbox.bare_repo("acme", "fresh");
    assert_eq!(git(&fresh_repo, &["rev-list", "--count", "main"]), "1");
    assert_eq!(git(&fresh_repo, &["rev-parse", "main"]), root.as_str());
}

/// A stand-in for a broken or hostile Bitbucket on a local port: every request is answered 200
/// with a JSON body of `size` bytes, chunked (no length up front) or with its Content-Length.
/// Returns the API URL and how many bytes were written before the client hung up.
async fn oversized_server(
    size: usize,
    chunked: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/2.0", listener.local_addr().unwrap());
    let written = std::sync::Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        // Bounded: a handful of requests, each body at most `size` bytes.
        for _ in 0..4 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let count = count.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = match chunked {
                    true => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                        .to_owned(),
                    false => {
                        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n")
                    }
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let piece = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < size {
                    let n = piece.len().min(size - sent);
                    let wrote = match chunked {
                        true => {
                            let mut frame = format!("{n:x}\r\n").into_bytes();
                            frame.extend_from_slice(&piece[..n]);
                            frame.extend_from_slice(b"\r\n");
                            socket.write_all(&frame).await
                        }
                        false => socket.write_all(&piece[..n]).await,
                    };
                    if wrote.is_err() {
                        return;
                    }
                    sent += n;
                    count.store(sent, Ordering::SeqCst);
                }
                if chunked {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                }
            });
        }
    });
    (url, written)
}

fn client_at(api: &str) -> BitbucketClient {
    let api = parse_base_url(api).unwrap();
    BitbucketClient::new(BitbucketConfig::new(api.clone(), api)).unwrap()
}

#[tokio::test]
async fn an_oversized_answer_is_refused_not_buffered() {
    use ferry_bitbucket::MAX_ANSWER_BYTES;
    use std::sync::atomic::Ordering;

    // Chunked, eight times the cap: the client stops reading past the cap. What the server
    // manages to write counts the loopback socket's buffers too (several MiB under load), so
    // the bound is half the answer, not the cap itself.
    let (url, written) = oversized_server(8 * MAX_ANSWER_BYTES, true).await;
    let error = client_at(&url).verify(&api_token(TOKEN)).await.unwrap_err();
    assert!(
        matches!(
            error,
            BitbucketError::TooLarge {
                limit: MAX_ANSWER_BYTES,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("larger than the 8 MiB Ferry reads"),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        written.load(Ordering::SeqCst) < 4 * MAX_ANSWER_BYTES,
        "the client hung up early: {}",
        written.load(Ordering::SeqCst)
    );

    // A Content-Length over the cap is refused before the body is read.
    let (url, _) = oversized_server(MAX_ANSWER_BYTES + 1, false).await;
    let error = client_at(&url)
        .repositories(&api_token(TOKEN), "acme", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, BitbucketError::TooLarge { .. }),
        "{error:?}"
    );

    // Just under the cap is read (and then is not a page Ferry understands).
    let (url, _) = oversized_server(MAX_ANSWER_BYTES - 1, true).await;
    let error = client_at(&url)
        .repositories(&api_token(TOKEN), "acme", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, BitbucketError::BadResponse { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_file_larger_than_any_collection_is_refused() {
    use ferry_bitbucket::MAX_FILE_BYTES;

    let (url, _) = oversized_server(MAX_FILE_BYTES + 1, true).await;
    let commit = CommitHash::parse(&"a".repeat(40)).unwrap();
    let error = client_at(&url)
        .file(&api_token(TOKEN), "acme", "backups", &commit, "big.json")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            BitbucketError::TooLarge {
                limit: MAX_FILE_BYTES,
                ..
            }
        ),
        "{error:?}"
    );
}
