//! Every request the sandbox received (admin calls excepted), so tests can count the API
//! calls a client made.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::auth::LoggedUser;
use crate::faults::DropConnection;
use crate::state::AppState;

/// The newest requests kept; older ones fall off so a long benchmark cannot exhaust memory.
const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The authenticated username, if any.
    pub user: Option<String>,
    /// `None` when the connection was dropped by a fault.
    pub status: Option<u16>,
    /// When the request arrived, RFC 3339.
    pub time: String,
    pub duration_ms: u64,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    fn records(&self) -> std::sync::MutexGuard<'_, VecDeque<RequestRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records().iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.records().clear();
    }

    fn push(&self, record: RequestRecord) {
        let mut records = self.records();
        if records.len() == CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }
}

/// Middleware: appends one record per request once its response is known.
pub async fn record(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let time = crate::clock::now_rfc3339();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let response = next.run(request).await;
    let dropped = response.extensions().get::<DropConnection>().is_some();
    state.requests.push(RequestRecord {
        method,
        path,
        query,
        user: response
            .extensions()
            .get::<LoggedUser>()
            .map(|u| u.0.clone()),
        status: (!dropped).then(|| response.status().as_u16()),
        time,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    response
}
