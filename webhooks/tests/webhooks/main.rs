//! The sender against real HTTP receivers on this machine: signatures verified with the
//! Standard Webhooks reference verifier, each kind of answer classified, the answer's size
//! bounded, redirects not followed, and the address policy enforced where the connection is
//! made (a name answering a private address, or a mix, never reaches the private one).

use std::{
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use ferry_webhooks::{
    network::LookupFuture, Kind, Lookup, NetworkPolicy, Outcome, Sender, SenderConfig,
    WebhookSecret, WebhookUrl,
};

/// What the receiver answers, in turn (the last one repeats).
#[derive(Clone)]
enum Answer {
    Status(u16, &'static str),
    Headers(u16, Vec<(&'static str, String)>),
    Slow(Duration),
    Huge,
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<WebhookSecret>,
    answers: Arc<Vec<Answer>>,
    received: Arc<Mutex<Vec<(String, Bytes, bool)>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let verified = standardwebhooks::Webhook::new(receiver.secret.expose())
        .unwrap()
        .verify(&body, &headers)
        .is_ok();
    let id = headers
        .get("webhook-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let turn = {
        let mut received = receiver.received.lock().unwrap();
        received.push((id, body, verified));
        received.len() - 1
    };
    let answer = receiver.answers[turn.min(receiver.answers.len() - 1)].clone();
    match answer {
        Answer::Status(status, body) => {
            (StatusCode::from_u16(status).unwrap(), body).into_response()
        }
        Answer::Headers(status, headers) => {
            let mut response = StatusCode::from_u16(status).unwrap().into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        Answer::Slow(wait) => {
            tokio::time::sleep(wait).await;
            "late".into_response()
        }
        Answer::Huge => "x".repeat(1 << 20).into_response(),
    }
}

struct World {
    receiver: Receiver,
    address: SocketAddr,
}

async fn receiver(answers: Vec<Answer>) -> World {
    let receiver = Receiver {
        secret: Arc::new(WebhookSecret::generate()),
        answers: Arc::new(answers),
        received: Arc::default(),
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .route(
            "/moved",
            post(|| async { (StatusCode::FOUND, [("location", "/hook")]) }),
        )
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    World { receiver, address }
}

fn local_policy() -> NetworkPolicy {
    NetworkPolicy {
        allowed: NetworkPolicy::parse_allowed("127.0.0.1").unwrap(),
        allow_http: true,
    }
}

fn sender(policy: NetworkPolicy) -> Sender {
    Sender::new(SenderConfig {
        policy,
        timeout: Duration::from_millis(1500),
    })
    .unwrap()
}

impl World {
    fn url(&self, path: &str) -> WebhookUrl {
        WebhookUrl::parse(&format!("http://{}{path}", self.address), &local_policy()).unwrap()
    }

    async fn send(
        &self,
        sender: &Sender,
        kind: Kind,
        url: &WebhookUrl,
        id: &str,
    ) -> ferry_webhooks::Attempt {
        sender
            .send(
                kind,
                url,
                id,
                br#"{"type":"test","data":{}}"#,
                &[&self.receiver.secret],
            )
            .await
    }

    fn received(&self) -> Vec<(String, Bytes, bool)> {
        self.receiver.received.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_delivery_is_signed_and_a_retry_carries_the_same_id() {
    let world = receiver(vec![Answer::Status(500, "oops"), Answer::Status(204, "")]).await;
    let sender = sender(local_policy());
    let url = world.url("/hook");
    let first = world.send(&sender, Kind::Webhook, &url, "msg_a").await;
    assert!(
        matches!(first.outcome, Outcome::Retry { ref reason, .. } if reason.contains("500")),
        "{first:?}"
    );
    assert_eq!(first.status, Some(500));
    assert_eq!(first.excerpt, "oops");
    let second = world.send(&sender, Kind::Webhook, &url, "msg_a").await;
    assert_eq!(second.outcome, Outcome::Delivered);
    let received = world.received();
    assert_eq!(received.len(), 2);
    for (id, body, verified) in &received {
        assert_eq!(id, "msg_a");
        assert_eq!(&body[..], br#"{"type":"test","data":{}}"#);
        assert!(verified, "the reference verifier accepts Ferry's signature");
    }
}

#[tokio::test]
async fn gone_redirects_rate_limits_and_timeouts_are_told_apart() {
    let world = receiver(vec![
        Answer::Status(410, ""),
        Answer::Headers(429, vec![("retry-after", "7".into())]),
        Answer::Slow(Duration::from_secs(5)),
    ])
    .await;
    let sender = sender(local_policy());
    let url = world.url("/hook");
    assert!(matches!(
        world.send(&sender, Kind::Webhook, &url, "m1").await.outcome,
        Outcome::Gone { .. }
    ));
    assert_eq!(
        world.send(&sender, Kind::Webhook, &url, "m2").await.outcome,
        Outcome::Retry {
            reason: "the receiver answered 429 Too Many Requests".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    let late = world.send(&sender, Kind::Webhook, &url, "m3").await;
    assert_eq!(
        late.outcome,
        Outcome::Retry {
            reason: "no answer within the timeout".into(),
            retry_after: None
        }
    );
    assert!(late.latency < Duration::from_secs(4), "{:?}", late.latency);

    let moved = world
        .send(&sender, Kind::Webhook, &world.url("/moved"), "m4")
        .await;
    assert!(
        matches!(moved.outcome, Outcome::Failing { ref reason } if reason.contains("does not follow redirects")),
        "{moved:?}"
    );
    assert_eq!(
        world.received().len(),
        3,
        "the redirect's target was not called"
    );
}

#[tokio::test]
async fn a_huge_answer_is_read_only_up_to_a_bound() {
    let world = receiver(vec![Answer::Huge]).await;
    let attempt = world
        .send(
            &sender(local_policy()),
            Kind::Webhook,
            &world.url("/hook"),
            "m",
        )
        .await;
    assert_eq!(attempt.outcome, Outcome::Delivered);
    assert_eq!(
        attempt.excerpt.chars().count(),
        ferry_webhooks::send::EXCERPT_CHARS
    );
}

#[tokio::test]
async fn slacks_answers_are_read_as_slack_means_them() {
    let world = receiver(vec![
        Answer::Status(200, "ok"),
        Answer::Status(404, "channel_not_found"),
    ])
    .await;
    let sender = sender(local_policy());
    let url = world.url("/hook");
    assert_eq!(
        world.send(&sender, Kind::Slack, &url, "s1").await.outcome,
        Outcome::Delivered
    );
    assert!(matches!(
        world.send(&sender, Kind::Slack, &url, "s2").await.outcome,
        Outcome::Failing { reason } if reason.contains("channel_not_found") && reason.contains("create a new incoming webhook")
    ));
}

/// A DNS server under someone else's control: answers what the test says, counting calls.
struct Hostile {
    answers: Vec<IpAddr>,
    calls: AtomicUsize,
}

impl Lookup for Hostile {
    fn lookup(&self, _host: &str) -> LookupFuture {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answers = self.answers.clone();
        Box::pin(async move { Ok(answers) })
    }
}

#[tokio::test]
async fn names_resolving_to_private_addresses_never_reach_them() {
    let world = receiver(vec![Answer::Status(200, "")]).await;
    let port = world.address.port();
    // Loopback is not allowed here: the policy of a deployment that lists nothing.
    let strict = NetworkPolicy {
        allowed: Vec::new(),
        allow_http: true,
    };
    let url =
        WebhookUrl::parse(&format!("http://hooks.example.test:{port}/hook"), &strict).unwrap();

    let private = Arc::new(Hostile {
        answers: vec!["127.0.0.1".parse().unwrap()],
        calls: AtomicUsize::new(0),
    });
    let sender = Sender::with_lookup(
        SenderConfig {
            policy: strict.clone(),
            timeout: Duration::from_millis(1500),
        },
        private.clone(),
    )
    .unwrap();
    let attempt = world.send(&sender, Kind::Webhook, &url, "r1").await;
    assert!(
        matches!(
            attempt.outcome,
            Outcome::Failing { ref reason } if reason.contains("127.0.0.1") && reason.contains("FERRY_WEBHOOK_ALLOWED_NETWORKS")
        ),
        "{attempt:?}"
    );
    assert_eq!(
        private.calls.load(Ordering::SeqCst),
        1,
        "the address checked is the one resolved for the connection"
    );

    // A name answering a public and a private address: only the public one is offered to the
    // connection (unreachable here), never the receiver on loopback.
    let mixed = Arc::new(Hostile {
        answers: vec![
            "127.0.0.1".parse().unwrap(),
            "192.0.2.1".parse().unwrap(),
            "93.184.216.34".parse().unwrap(),
        ],
        calls: AtomicUsize::new(0),
    });
    let sender = Sender::with_lookup(
        SenderConfig {
            policy: strict.clone(),
            timeout: Duration::from_millis(800),
        },
        mixed,
    )
    .unwrap();
    let attempt = world.send(&sender, Kind::Webhook, &url, "r2").await;
    assert!(
        matches!(attempt.outcome, Outcome::Retry { .. }),
        "{attempt:?}"
    );

    // Cloud metadata and private networks written as addresses: refused without a lookup.
    for literal in [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/hook",
    ] {
        assert!(WebhookUrl::parse(literal, &strict).is_err(), "{literal}");
    }
    assert!(
        world.received().is_empty(),
        "nothing reached the private receiver"
    );
}

/// Every event type's Slack message, with names and summaries longer than Slack allows,
/// passes the Slack-compatible receiver's checks; each channel state reads as Slack means it.
#[tokio::test]
async fn every_event_renders_within_slacks_limits_and_slacks_answers_are_read() {
    use ferry_webhooks::{event::Activity, event::EventActor, Envelope, EventType};
    use slack_receiver::ChannelState;

    let slack = slack_receiver::start(slack_receiver::Config::default())
        .await
        .unwrap();
    let url = WebhookUrl::parse(&slack.add_hook("api-team"), &local_policy()).unwrap();
    let sender = sender(local_policy());
    let secret = WebhookSecret::generate();
    let activity = |event_type: EventType| {
        let mut details = serde_json::Map::new();
        details.insert(
            "name".into(),
            serde_json::json!(format!("<{}>", "N".repeat(400))),
        );
        Activity {
            event_type,
            at_ms: 1_796_688_000_000,
            summary: format!("*{}* & more", "s".repeat(6000)),
            actor: Some(EventActor {
                id: "u1".into(),
                name: "A".repeat(300),
            }),
            url: Some(format!("https://ferry.example/{}", "p".repeat(2000))),
            details,
        }
    };
    let all: Vec<EventType> = EventType::SUBSCRIBABLE
        .into_iter()
        .chain([EventType::Test])
        .collect();
    for (n, event_type) in all.iter().enumerate() {
        let body = Envelope::slack_body(&activity(*event_type));
        let attempt = sender
            .send(Kind::Slack, &url, &format!("msg_{n}"), &body, &[&secret])
            .await;
        assert_eq!(
            attempt.outcome,
            Outcome::Delivered,
            "{}: {}",
            event_type.as_str(),
            attempt.excerpt
        );
    }
    assert_eq!(slack.messages().len(), all.len());
    assert_eq!(slack.messages()[0].webhook_id.as_deref(), Some("msg_0"));

    let body = Envelope::slack_body(&activity(EventType::Test));
    let outcome = |state| {
        slack.set_channel("api-team", state);
        let (sender, url, body, secret) =
            (sender.clone(), url.clone(), body.clone(), secret.clone());
        async move {
            sender
                .send(Kind::Slack, &url, "m", &body, &[&secret])
                .await
                .outcome
        }
    };
    assert!(matches!(
        outcome(ChannelState::Archived).await,
        Outcome::Gone { .. }
    ));
    assert!(
        matches!(outcome(ChannelState::Deleted).await, Outcome::Failing { reason } if reason.contains("channel_not_found"))
    );
    assert_eq!(
        outcome(ChannelState::RateLimited).await,
        Outcome::Retry {
            reason: "Slack is rate limiting this webhook (429)".into(),
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert!(
        matches!(outcome(ChannelState::Failing).await, Outcome::Retry { reason, .. } if reason.contains("rollup_error"))
    );
}
