//! The request journal: every non-admin request, what the double answered and why.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::outcomes::Outcome;
use crate::ring::{Keyed, Ring};

/// One journaled request, exactly as `GET /__admin/requests` shows it.
///
/// ```
/// # async fn demo() {
/// use exchange_um_mock::UmMockServer;
/// # let server = UmMockServer::start().await;
/// for request in server.requests() {
///     println!("{} {} -> {:?} because {:?}", request.method, request.path, request.status, request.reason);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Counts up from 1 per server; never reused.
    pub id: u64,
    /// When the request arrived (RFC 3339, UTC).
    pub received_at: String,
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// Request headers, names in lowercase; the credentials of `Authorization` are redacted.
    pub headers: BTreeMap<String, String>,
    /// Request body (invalid UTF-8 replaced).
    pub body: String,
    /// The user name the client authenticated as, if it sent one.
    pub identity: Option<String>,
    /// The mailbox that identity resolved to.
    pub mailbox: Option<String>,
    /// The operation the envelope asked for, if it could be read.
    pub operation: Option<String>,
    /// The outcome that produced the answer (`"default"` when the double answered by itself).
    pub outcome: Outcome,
    /// The id of the scenario that gave the outcome, if one did.
    pub scenario: Option<u64>,
    /// HTTP status answered; `None` for connection-level faults.
    pub status: Option<u16>,
    /// Response body answered; `None` for connection-level faults.
    pub response_body: Option<String>,
    /// Time to the answer in milliseconds, scripted delays included.
    pub duration_ms: f64,
    /// Why the double answered a 401, a fault or an error it made up itself.
    pub reason: Option<String>,
}

impl Keyed for RecordedRequest {
    fn key(&self) -> u64 {
        self.id
    }
}

/// Filters of the journal list (`operation`, `mailbox`, `after_id`, `limit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RequestFilter {
    pub(crate) operation: Option<String>,
    pub(crate) mailbox: Option<String>,
    pub(crate) after_id: Option<u64>,
    pub(crate) limit: Option<usize>,
}

impl RequestFilter {
    fn keeps(&self, request: &RecordedRequest) -> bool {
        let operation_ok = self
            .operation
            .as_ref()
            .is_none_or(|want| request.operation.as_ref() == Some(want));
        let mailbox_ok = self.mailbox.as_ref().is_none_or(|want| {
            request
                .mailbox
                .as_ref()
                .is_some_and(|m| m.eq_ignore_ascii_case(want))
        });
        operation_ok && mailbox_ok
    }
}

/// The bounded journal.
#[derive(Debug)]
pub(crate) struct Journal {
    ring: Ring<RecordedRequest>,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Journal {
            ring: Ring::new(capacity),
        }
    }

    /// Reserves the id of a request as it arrives, so effects (an email) can point at it.
    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.ring.allocate_id()
    }

    pub(crate) fn record(&mut self, entry: RecordedRequest) {
        self.ring.push(entry);
    }

    pub(crate) fn clear(&mut self) {
        self.ring.clear();
    }

    /// The id of the newest request that arrived (0 before the first).
    pub(crate) fn last_id(&self) -> u64 {
        self.ring.last_id()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.ring.evicted()
    }

    pub(crate) fn page(&self, filter: &RequestFilter) -> (usize, Vec<RecordedRequest>) {
        self.ring
            .page(|r| filter.keeps(r), filter.after_id, filter.limit)
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.ring.iter().cloned().collect()
    }
}

/// `Scheme [redacted]`, or just `[redacted]` when the value is a single token: that token may
/// be the credentials themselves (a client that sends a bare key), not a scheme.
fn redact(value: &str) -> String {
    match value.split_whitespace().collect::<Vec<_>>().as_slice() {
        [scheme, _, ..] => format!("{scheme} [redacted]"),
        _ => "[redacted]".to_string(),
    }
}

/// Header map for the journal: lowercase names, repeated headers joined with `, `, and the
/// credentials of `Authorization` replaced (the scheme stays, so a test can see which was used).
pub(crate) fn journal_headers(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = if name == "authorization" {
            redact(value)
        } else {
            value.clone()
        };
        out.entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}
