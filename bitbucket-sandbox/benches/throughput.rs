//! Commits per second through `POST …/src`, with 1 and with 16 concurrent clients.
//! Run: `cargo bench -p bitbucket-sandbox --bench throughput` (release build).
//!
//! Each commit uploads three ~2 KiB JSON files, like one Postman collection split in parts.
//! Scenarios: one client; 16 clients on 16 repositories (independent syncs); 16 clients on
//! one repository and branch (commits to one repository are serialised by design).

use std::time::Instant;

use bitbucket_sandbox::{Config, Repository, Seed, User, Workspace};

const CLIENTS: usize = 16;
const USER: &str = "bench";
const PASSWORD: &str = "bench-password";

fn seed() -> Seed {
    let mut workspace = Workspace::new("bench").member(USER, true);
    for n in 0..CLIENTS {
        workspace = workspace.repository(Repository::new(&format!("repo-{n}")));
    }
    Seed::default()
        .user(
            User::new(USER, "bench@example.com")
                .app_password(PASSWORD, &["account", "repository:write"]),
        )
        .workspace(workspace)
}

fn collection(client: usize, commit: usize, part: usize) -> String {
    let item = format!("{{\"name\":\"request {part}\",\"request\":{{\"method\":\"GET\",\"url\":\"https://api.example.com/{client}/{commit}\"}}}},");
    format!(
        "{{\"info\":{{\"name\":\"c{client}\"}},\"item\":[{}]}}",
        item.repeat(2048 / item.len()).trim_end_matches(',')
    )
}

/// One client committing `commits` times in a row; returns how many succeeded.
async fn client(http: reqwest::Client, url: String, client: usize, commits: usize) -> usize {
    let mut succeeded = 0;
    for commit in 0..commits {
        let mut form =
            reqwest::multipart::Form::new().text("message", format!("sync {client}/{commit}"));
        for part in 0..3 {
            let bytes = collection(client, commit, part).into_bytes();
            form = form.part(
                format!("collections/c{client}-{part}.json"),
                reqwest::multipart::Part::bytes(bytes).file_name("c.json"),
            );
        }
        let response = http
            .post(&url)
            .basic_auth(USER, Some(PASSWORD))
            .multipart(form)
            .send()
            .await;
        if response.is_ok_and(|r| r.status() == 201) {
            succeeded += 1;
        }
    }
    succeeded
}

async fn scenario(
    name: &str,
    base: &str,
    clients: usize,
    commits_each: usize,
    shared_repository: bool,
) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..clients {
        let repo = if shared_repository { 0 } else { n };
        let url = format!("{base}/2.0/repositories/bench/repo-{repo}/src");
        tasks.spawn(client(http.clone(), url, n, commits_each));
    }
    let succeeded: usize = tasks.join_all().await.into_iter().sum();
    let elapsed = started.elapsed();
    let per_second = succeeded as f64 / elapsed.as_secs_f64();
    let latency = elapsed
        .mul_f64(clients as f64)
        .div_f64(succeeded.max(1) as f64);
    println!("{name:<40} {succeeded:>5} commits in {:>6.2}s = {per_second:>7.1} commits/s (mean latency {:.1} ms)", elapsed.as_secs_f64(), latency.as_secs_f64() * 1000.0);
    assert_eq!(
        succeeded,
        clients * commits_each,
        "every commit should succeed"
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let data = tempfile::tempdir().expect("tempdir");
        let sandbox = bitbucket_sandbox::start(Config::new(data.path(), seed()))
            .await
            .expect("sandbox");
        let base = sandbox.url().to_owned();
        // Warm-up: the first commits pay for page-cache misses of git itself.
        scenario("warm-up", &base, 1, 5, true).await;
        scenario("1 client", &base, 1, 200, true).await;
        scenario("16 clients, 16 repositories", &base, CLIENTS, 40, false).await;
        scenario("16 clients, one repository", &base, CLIENTS, 20, true).await;
        sandbox.shutdown().await;
    });
}
