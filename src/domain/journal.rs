//! The request journal: every non-admin request, what the double answered and why.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::domain::outcomes::Outcome;
use crate::vocab::ring::{Keyed, Ring};
use crate::vocab::wire::{header_safe, Plan, Reply, WireRequest};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Request headers, names in lowercase; the credentials of `Authorization` and
    /// `Proxy-Authorization` and the values of `Cookie` are redacted.
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
    /// The scheme the caller authenticated with, or tried to: `"basic"`, `"ntlm"`,
    /// `"negotiate"`; `None` without (usable) credentials.
    pub auth_scheme: Option<String>,
    /// The listener the request came in on: `"http"` or `"https"`.
    #[serde(default)]
    pub listener: String,
    /// The bodies were cut to fit `--max-journal-bytes` (only ever the newest entry's, when it
    /// alone is larger than the cap). Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// A journal entry as stored: the record without its bodies, which are kept as the bytes the
/// request and the answer were (shared, not copied) and turned into text when read.
#[derive(Debug, Clone)]
struct Stored {
    /// Shared with the event that announces it, so announcing costs no copy.
    record: Arc<RecordedRequest>,
    /// The request's headers as received; the journal's map of them is made when read.
    headers: Arc<[(String, String)]>,
    body: Bytes,
    response_body: Option<Bytes>,
}

impl Keyed for Stored {
    fn key(&self) -> u64 {
        self.record.id
    }
}

impl Stored {
    /// The bytes this entry holds against `--max-journal-bytes`: its bodies, and what is
    /// kept whole (see [`Stored::whole_bytes`]).
    fn held_bytes(&self) -> usize {
        self.body.len() + self.response_body.as_ref().map_or(0, Bytes::len) + self.whole_bytes()
    }

    /// The bytes never cut to fit: the request headers (names and values, and what each pair
    /// costs besides, [`HEADER_COST`]), which a client can make as large as its bodies, the
    /// record's text — the path (up to 64 KiB), the reason that may quote it, the names, the
    /// scripted outcome — and the entry's own [`ENTRY_COST`]. Uncounted, 10,000 entries of
    /// 60 KB paths held 1.2 GB, and of 90 one-byte headers 107 MiB, whatever the cap.
    fn whole_bytes(&self) -> usize {
        header_bytes(&self.headers)
            + self.headers.len() * HEADER_COST
            + record_bytes(&self.record)
            + ENTRY_COST
    }

    fn to_public(&self) -> RecordedRequest {
        let mut record = RecordedRequest::clone(&self.record);
        record.headers = journal_headers(&self.headers);
        record.body = String::from_utf8_lossy(&self.body).into_owned();
        record.response_body = self
            .response_body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        record
    }
}

/// A request just journaled, as [`Journal::record`] hands it on: its record (no bodies, the
/// headers map still empty) and the headers as received, both shared with the stored entry.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) record: Arc<RecordedRequest>,
    pub(crate) headers: Arc<[(String, String)]>,
}

impl Recorded {
    /// The record as the admin API shows it, without the bodies.
    pub(crate) fn without_bodies(&self) -> RecordedRequest {
        let mut record = RecordedRequest::clone(&self.record);
        record.headers = journal_headers(&self.headers);
        record
    }
}

/// A journal entry being filled in as a request is answered. Made from the request before the
/// state lock is taken (every copy happens here); under the lock it gets its id and, with
/// [`Entry::finish`], the answer.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The record so far; `id` is 0 until [`Journal::record`] gives it one.
    pub(crate) record: RecordedRequest,
    headers: Arc<[(String, String)]>,
    body: Bytes,
    started: Instant,
}

impl Entry {
    pub(crate) fn new(request: &WireRequest) -> Self {
        let record = RecordedRequest {
            id: 0,
            received_at: request.received_at.rfc3339(),
            method: request.method.clone(),
            path: request.path_and_query(),
            headers: BTreeMap::new(),
            body: String::new(),
            identity: None,
            mailbox: None,
            operation: None,
            outcome: Outcome::default_answer(),
            scenario: None,
            status: None,
            response_body: None,
            duration_ms: 0.0,
            reason: None,
            auth_scheme: None,
            listener: request.scheme.to_string(),
            truncated: false,
        };
        Entry {
            record,
            headers: request.headers.clone(),
            body: request.body.clone(),
            started: request.started,
        }
    }

    /// Sets the reason the double gives for its answer.
    pub(crate) fn because(mut self, reason: impl Into<String>) -> Self {
        self.record.reason = Some(reason.into());
        self
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

/// The journal, bounded by a count of entries and by the bytes of their bodies and request
/// headers.
#[derive(Debug)]
pub(crate) struct Journal {
    ring: Ring<Stored>,
    /// Request and response body bytes and request header bytes held, and the most it may hold.
    bytes: usize,
    max_bytes: usize,
}

impl Journal {
    /// How many entries it holds.
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Journal {
            ring: Ring::new(capacity),
            bytes: 0,
            max_bytes,
        }
    }

    /// The id the next recorded request gets, so effects (an email) can point at it first.
    pub(crate) fn next_id(&self) -> u64 {
        self.ring.last_id() + 1
    }

    /// Records `entry` under the next id and labels the answer with that id and the reason;
    /// returns the record (without bodies or headers) for the expectations to count, and the
    /// request's headers, both shared with the stored entry.
    pub(crate) fn record(&mut self, entry: Entry, plan: &mut Plan) -> Recorded {
        let Entry {
            mut record,
            headers,
            body,
            started,
        } = entry;
        record.id = self.ring.allocate_id();
        let mut response_body = None;
        if let Reply::Http(response) = &mut plan.reply {
            response
                .headers
                .push(("X-Exum-Request-Id".into(), record.id.to_string()));
            if let Some(reason) = &record.reason {
                response
                    .headers
                    .push(("X-Exum-Reason".into(), header_safe(reason)));
            }
            record.status = Some(response.status);
            response_body = Some(response.body.clone());
        }
        let elapsed = started.elapsed() + plan.delay;
        record.duration_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        let mut stored = Stored {
            record: Arc::new(record),
            headers,
            body,
            response_body,
        };
        self.make_room(&mut stored);
        self.bytes += stored.held_bytes();
        if let Some(dropped) = self.ring.push(stored) {
            self.bytes -= dropped.held_bytes();
        }
        let stored = self
            .ring
            .iter()
            .next_back()
            .expect("the entry was just pushed");
        Recorded {
            record: Arc::clone(&stored.record),
            headers: Arc::clone(&stored.headers),
        }
    }

    /// Drops the oldest entries until `stored` fits under the byte cap; the newest entry is
    /// always kept, its bodies cut to fit when it alone is over the cap.
    fn make_room(&mut self, stored: &mut Stored) {
        while self.ring.len() > 0 && self.bytes + stored.held_bytes() > self.max_bytes {
            if let Some(dropped) = self.ring.pop_oldest() {
                self.bytes -= dropped.held_bytes();
            }
        }
        if stored.held_bytes() > self.max_bytes {
            // The headers and the record stay whole (they say who sent what and why); the
            // bodies get what is left.
            let room = self.max_bytes.saturating_sub(stored.whole_bytes());
            let body = stored.body.len().min(room);
            stored.body = cut(&stored.body, body);
            let left = room - body;
            if let Some(response) = stored.response_body.as_mut() {
                *response = cut(response, left.min(response.len()));
            }
            // Not yet stored, so not shared: no copy is made.
            Arc::make_mut(&mut stored.record).truncated = true;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.ring.clear();
        self.bytes = 0;
    }

    /// The id of the newest request that arrived (0 before the first).
    pub(crate) fn last_id(&self) -> u64 {
        self.ring.last_id()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.ring.evicted()
    }

    pub(crate) fn page(&self, filter: &RequestFilter) -> (usize, Vec<RecordedRequest>) {
        let (total, page) =
            self.ring
                .page(|s| filter.keeps(&s.record), filter.after_id, filter.limit);
        (total, page.iter().map(Stored::to_public).collect())
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.ring.iter().map(Stored::to_public).collect()
    }
}

/// Header names and values in bytes, as the journal counts them.
/// What an entry costs besides the bytes of its text: the record, its place in the ring and
/// the heap blocks of its strings (measured: 10,000 entries of a bare 404 took 11.4 MiB, about
/// 1.2 KB each, of which some 400 bytes are text and headers counted otherwise).
const ENTRY_COST: usize = 768;

/// What a request header costs besides its name and value: the pair of strings and their two
/// heap blocks (the smallest glibc gives is 32 bytes).
const HEADER_COST: usize = 112;

/// The bytes of a record's text, bodies and headers apart.
fn record_bytes(record: &RecordedRequest) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    record.received_at.len()
        + record.method.len()
        + record.path.len()
        + text(&record.identity)
        + text(&record.mailbox)
        + text(&record.operation)
        + record.outcome.stored_bytes()
        + text(&record.reason)
        + text(&record.auth_scheme)
        + record.listener.len()
}

fn header_bytes(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum()
}

/// The first `len` bytes of `bytes` in an allocation of their own: `Bytes::truncate` would
/// keep the whole body allocated behind the few bytes the journal keeps of it.
fn cut(bytes: &Bytes, len: usize) -> Bytes {
    if len == bytes.len() {
        bytes.clone()
    } else {
        Bytes::copy_from_slice(&bytes[..len])
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

/// `name=[redacted]` for each cookie: the names say which cookies a client sent, the values
/// are its sessions.
fn redact_cookies(value: &str) -> String {
    value
        .split(';')
        .map(|pair| match pair.trim().split_once('=') {
            Some((name, _)) => format!("{name}=[redacted]"),
            None => "[redacted]".to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Header map for the journal: lowercase names, repeated headers joined with `, `, and the
/// secrets replaced: the credentials of `Authorization` and `Proxy-Authorization` (the scheme
/// stays, so a test can see which was used) and the values of `Cookie` (the names stay). The
/// journal is read by anyone who reaches the admin API, and logged by test runners.
pub(crate) fn journal_headers(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = match name.as_str() {
            "authorization" | "proxy-authorization" => redact(value),
            "cookie" => redact_cookies(value),
            _ => value.clone(),
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
