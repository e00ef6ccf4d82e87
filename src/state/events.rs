//! The live event log behind `GET /__admin/events`: every change the world makes,
//! numbered in the order it was made, kept for replay and sent to whoever listens.
//!
//! The world notes a [`Change`] (a copy of the value, nothing serialised) while the lock is
//! held; [`super::Shared::with`] hands them to the [`EventLog`] before it lets go of the world
//! lock, so ids follow the order of the changes. An event is serialised the first time a
//! stream sends it, outside every lock, and once however many streams send it; with nobody
//! listening, the cost of a change is the copy.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use bytes::Bytes;
use tokio::sync::broadcast;

use crate::domain::journal::Recorded;
use crate::domain::mail::Captured;
use crate::domain::mailbox::MailboxState;
use crate::domain::outcomes::Scenario;

/// How many events a reconnecting client can catch up on (`Last-Event-ID`).
pub(crate) const REPLAY: usize = 1000;
/// The most JSON the replay keeps, whatever the count: a request event carries the request's
/// headers, and a client can send large ones, so 1,000 of them could otherwise hold hundreds of
/// megabytes after the journal has let them go.
pub(crate) const REPLAY_BYTES: usize = 16 * 1024 * 1024;
/// How far a listener may fall behind before it is dropped (its stream ends): a slow reader
/// must not make the server hold memory without bound.
const LAG: usize = 1024;

/// A change the world made, noted under the lock.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// The captured email, shared with the store; rendered when the event is first sent.
    Email(Arc<Captured>),
    /// The journal entry (its record never holds the bodies).
    Request(Recorded),
    Mailbox(MailboxState),
    /// A mailbox a reload removed (its last state), sent with `"removed": true`.
    MailboxRemoved(MailboxState),
    /// A scenario after it gave an outcome or was added; `removed` when it was removed.
    Scenario {
        scenario: Scenario,
        removed: bool,
    },
    Reset,
    /// A session was created or ended, at the root: its list entry, with `ended` and
    /// `reason` when it ended (made by the registry, which knows sessions).
    Session(serde_json::Value),
}

impl Change {
    /// At least the bytes of this change's frame (what the replay counts): exact for every
    /// kind but requests, whose headers are counted byte by byte with room for escapes, so
    /// that nobody pays a serialisation of the headers while nobody listens.
    fn weight(&self) -> usize {
        // `id:`, `event:` and `data:` lines around the JSON.
        const FRAME: usize = 64;
        let json = match self {
            Change::Request(request) => {
                json_size(&*request.record)
                    + request
                        .headers
                        .iter()
                        .map(|(name, value)| json_str_size(name) + json_str_size(value) + 2)
                        .sum::<usize>()
            }
            Change::Email(email) => json_size(&email.email()),
            Change::Mailbox(state) | Change::MailboxRemoved(state) => {
                json_size(state) + r#","removed":true"#.len()
            }
            Change::Scenario { scenario, .. } => json_size(scenario) + r#","removed":true"#.len(),
            Change::Reset => 2,
            Change::Session(data) => json_size(data),
        };
        json + FRAME
    }

    fn kind(&self) -> &'static str {
        match self {
            Change::Email(_) => "email",
            Change::Request(_) => "request",
            Change::Mailbox(_) | Change::MailboxRemoved(_) => "mailbox",
            Change::Scenario { .. } => "scenario",
            Change::Reset => "reset",
            Change::Session(_) => "session",
        }
    }

    fn data(&self) -> String {
        let value = match self {
            Change::Email(email) => serde_json::to_value(email.email()),
            Change::Request(request) => {
                serde_json::to_value(request.without_bodies()).map(|mut value| {
                    if let Some(map) = value.as_object_mut() {
                        map.remove("body");
                        map.remove("response_body");
                    }
                    value
                })
            }
            Change::Mailbox(state) => serde_json::to_value(state),
            Change::MailboxRemoved(state) => serde_json::to_value(state).map(|mut value| {
                if let Some(map) = value.as_object_mut() {
                    map.insert("removed".into(), true.into());
                }
                value
            }),
            Change::Scenario { scenario, removed } => {
                serde_json::to_value(scenario).map(|mut value| {
                    if let (Some(map), true) = (value.as_object_mut(), *removed) {
                        map.insert("removed".into(), true.into());
                    }
                    value
                })
            }
            Change::Reset => Ok(serde_json::json!({})),
            Change::Session(data) => Ok(data.clone()),
        };
        value
            .expect("state values serialise: plain data, string keys")
            .to_string()
    }
}

/// The length of `value` as compact JSON, counted without keeping the text.
fn json_size(value: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)
        .expect("state values serialise: plain data, string keys");
    count.0
}

/// At least the length of `text` as a JSON string: quotes, and the longest escape (`\u00XX`)
/// for every control character.
fn json_str_size(text: &str) -> usize {
    2 + text
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// One numbered event.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) id: u64,
    pub(crate) kind: &'static str,
    /// At least the bytes of its frame ([`Change::weight`]), counted against [`REPLAY_BYTES`].
    weight: usize,
    change: Change,
    /// The event in Server-Sent Events framing, made on first use.
    frame: OnceLock<Bytes>,
}

impl Event {
    /// `id:`, `event:`, `data:` lines and a blank line.
    pub(crate) fn frame(&self) -> Bytes {
        self.frame
            .get_or_init(|| frame(self.id, self.kind, &self.change.data()))
            .clone()
    }
}

/// The last [`REPLAY`] events (fewer if they weigh more than [`REPLAY_BYTES`]) and the channel that carries new ones to listeners.
#[derive(Debug)]
pub(crate) struct EventLog {
    /// A std mutex, taken while the world lock is still held (always in that order, so no
    /// deadlock) and kept only to number and store a lock's worth of changes.
    inner: Mutex<Log>,
    /// Bounded: a listener [`LAG`] events behind gets `Lagged` and is dropped.
    sender: broadcast::Sender<Arc<Event>>,
}

#[derive(Debug, Default)]
pub(crate) struct Log {
    last_id: u64,
    recent: VecDeque<Arc<Event>>,
    /// The weight of `recent`, at most [`REPLAY_BYTES`] unless the newest alone is more.
    bytes: usize,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            inner: Mutex::new(Log::default()),
            sender: broadcast::Sender::new(LAG),
        }
    }
}

/// What a new listener gets: the events it missed, then the live channel, with no gap and no
/// event twice (both are taken under the log lock).
pub(crate) type Subscription = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);

impl EventLog {
    pub(super) fn lock(&self) -> MutexGuard<'_, Log> {
        // Nothing in a critical section here can leave the log half-changed.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Numbers `changes` in order, keeps them for replay and sends them to listeners.
    pub(super) fn publish(&self, mut log: MutexGuard<'_, Log>, changes: Vec<Change>) {
        for change in changes {
            log.last_id += 1;
            let event = Arc::new(Event {
                id: log.last_id,
                kind: change.kind(),
                weight: change.weight(),
                change,
                frame: OnceLock::new(),
            });
            log.bytes += event.weight;
            log.recent.push_back(event.clone());
            // The newest is always kept, so a reader is never told of an event it cannot get.
            while log.recent.len() > REPLAY || (log.bytes > REPLAY_BYTES && log.recent.len() > 1) {
                if let Some(oldest) = log.recent.pop_front() {
                    log.bytes -= oldest.weight;
                }
            }
            // An error only means nobody listens.
            let _ = self.sender.send(event);
        }
    }

    /// The kept events after `last_seen` (none if `None`) and a receiver for what follows.
    pub(crate) fn subscribe(&self, last_seen: Option<u64>) -> Subscription {
        let log = self.lock();
        let missed = match last_seen {
            Some(seen) => log.recent.iter().filter(|e| e.id > seen).cloned().collect(),
            None => Vec::new(),
        };
        (missed, self.sender.subscribe())
    }
}

/// `id: N`, `event: KIND`, one `data:` line per line of `data` (JSON has none), a blank line.
fn frame(id: u64, kind: &str, data: &str) -> Bytes {
    let mut text = format!("id: {id}\nevent: {kind}\n");
    for line in data.split('\n') {
        text.push_str("data: ");
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    Bytes::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_numbered_in_order_and_replayed_after_the_last_seen() {
        let log = EventLog::default();
        log.publish(
            log.lock(),
            vec![Change::Reset, Change::Reset, Change::Reset],
        );
        let (missed, _) = log.subscribe(Some(1));
        let ids: Vec<u64> = missed.iter().map(|e| e.id).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(
            missed[0].frame(),
            Bytes::from("id: 2\nevent: reset\ndata: {}\n\n")
        );
    }

    /// A request event as the journal hands it on, with `headers`.
    fn request(headers: Vec<(String, String)>) -> Change {
        use crate::domain::journal::{Entry, Journal};
        use crate::vocab::wire::{Plan, WireRequest, WireResponse};
        let wire = WireRequest::new("POST", "/EWS/Exchange.asmx", None, headers, Bytes::new());
        let mut plan = Plan::now(WireResponse::empty(401));
        let recorded = Journal::new(10, 1 << 20).record(Entry::new(&wire), &mut plan);
        Change::Request(recorded)
    }

    #[test]
    fn a_request_event_weighs_at_least_its_frame_even_with_escaped_headers() {
        let log = EventLog::default();
        let awkward = "quote \" back\\slash tab\t and \u{7f}\u{e9}".repeat(100);
        log.publish(
            log.lock(),
            vec![request(vec![("x-awkward".into(), awkward)]), Change::Reset],
        );
        let (missed, _) = log.subscribe(Some(0));
        for event in &missed {
            assert!(
                event.frame().len() <= event.weight,
                "{} > {}",
                event.frame().len(),
                event.weight
            );
        }
    }

    #[test]
    fn the_replay_keeps_as_many_as_fit_in_its_bytes_and_always_the_newest() {
        let log = EventLog::default();
        let big = || request(vec![("x-padding".into(), "h".repeat(1 << 20))]);
        log.publish(log.lock(), (0..40).map(|_| big()).collect());
        let (missed, _) = log.subscribe(Some(0));
        let bytes: usize = missed.iter().map(|event| event.frame().len()).sum();
        assert!(bytes <= REPLAY_BYTES, "{bytes} bytes kept");
        assert_eq!(
            missed.len(),
            15,
            "16 MiB hold 15 events of 1 MiB and a little more"
        );
        assert_eq!(missed.last().map(|event| event.id), Some(40));

        // One event heavier than the whole replay is still kept, alone.
        let huge = request(vec![("x-padding".into(), "h".repeat(REPLAY_BYTES + 1))]);
        log.publish(log.lock(), vec![huge]);
        let (missed, _) = log.subscribe(Some(0));
        assert_eq!(
            missed.iter().map(|event| event.id).collect::<Vec<_>>(),
            [41]
        );
    }

    #[test]
    fn only_the_last_thousand_are_kept() {
        let log = EventLog::default();
        log.publish(log.lock(), vec![Change::Reset; REPLAY + 5]);
        let (missed, _) = log.subscribe(Some(0));
        assert_eq!(missed.len(), REPLAY);
        assert_eq!(missed[0].id, 6);
    }
}
