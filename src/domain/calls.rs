//! Simulated Play on Phone calls: placed by `PlayOnPhone`/`PlayOnPhoneGreeting`, observed by
//! `GetCallInfo`, ended by `Disconnect`, listed at `GET /__admin/calls`.
//!
//! A call moves Connecting → Alerted → Connected, one step every `server.call_step_ms`
//! (fixtures; 0 = connected at once). Other progressions (busy, no answer) are scripted with
//! scenarios on `GetCallInfo`.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::Rng;
use serde::Serialize;

use base64::Engine as _;

use crate::vocab::ring::{Keyed, Ring};
use crate::vocab::time::Timestamp;

/// The longest dial string a call or a mailbox keeps: a phone number, an extension or a SIP
/// URI is far shorter. A longer one is refused, so the call store, capped by count, holds a
/// bounded number of bytes too.
pub(crate) const MAX_DIAL_STRING_CHARS: usize = 256;
/// The longest `entryId` a call keeps, and the longest folder id a mailbox keeps: a store id
/// in base64 is a few hundred characters.
pub(crate) const MAX_ENTRY_ID_CHARS: usize = 1024;

/// The refusal of a dial string over [`MAX_DIAL_STRING_CHARS`], naming the parameter.
pub(crate) fn dial_string_problem(parameter: &str, value: &str) -> Option<String> {
    let chars = value.chars().count();
    (chars > MAX_DIAL_STRING_CHARS).then(|| {
        format!("parameter '{parameter}' has {chars} characters; a dial string has at most {MAX_DIAL_STRING_CHARS}")
    })
}

/// UMCallState values the double reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum CallState {
    Connecting,
    Alerted,
    Connected,
    Disconnected,
}

impl CallState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CallState::Connecting => "Connecting",
            CallState::Alerted => "Alerted",
            CallState::Connected => "Connected",
            CallState::Disconnected => "Disconnected",
        }
    }
}

/// One call as `GET /__admin/calls` shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Call {
    #[serde(skip)]
    seq: u64,
    /// The call id handed to the client: base64 of `<guid>@<server fqdn>`.
    pub(crate) id: String,
    pub(crate) mailbox: String,
    pub(crate) operation: String,
    pub(crate) dial_string: String,
    /// The `entryId` (PlayOnPhone) or `GreetingType` (PlayOnPhoneGreeting) played.
    pub(crate) content: String,
    pub(crate) started_at: String,
    /// Filled in when the call is read, from the time since it started.
    pub(crate) state: CallState,
    pub(crate) event_cause: &'static str,
    #[serde(skip)]
    started: Instant,
    #[serde(skip)]
    disconnected: bool,
}

impl Keyed for Call {
    fn key(&self) -> u64 {
        self.seq
    }
}

/// What a new call is about.
pub(crate) struct NewCall<'a> {
    pub(crate) mailbox: &'a str,
    pub(crate) operation: &'a str,
    pub(crate) dial_string: &'a str,
    pub(crate) content: &'a str,
    /// When it is placed, by the double's clock (its `started_at`; its steps run in real time).
    pub(crate) at: Timestamp,
}

/// The most bytes of strings the calls of one double hold. A call's dial string and content
/// come from the client, each up to `--max-body-bytes`: bounded by a count alone, 10,000 calls
/// of 900 KB dial strings would hold 9 GB. A real call's strings are under 400 bytes, so this
/// holds over 5,000 of them; small enough to fit in the slack of the resident-memory promise
/// (journal cap + 48 MiB) with the root and sessions all full.
pub(crate) const MAX_CALL_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct CallBook {
    ring: Ring<Call>,
    /// The bytes of the held calls' strings ([`Call::held_bytes`]), at most [`MAX_CALL_BYTES`]
    /// unless one call alone is over it.
    bytes: usize,
}

impl Call {
    /// The bytes of its strings: what it costs beyond its fixed size.
    fn held_bytes(&self) -> usize {
        [
            &self.id,
            &self.mailbox,
            &self.operation,
            &self.dial_string,
            &self.content,
            &self.started_at,
        ]
        .iter()
        .map(|s| s.len())
        .sum()
    }
}

impl CallBook {
    pub(crate) fn new(capacity: usize) -> Self {
        CallBook {
            ring: Ring::new(capacity),
            bytes: 0,
        }
    }

    /// A new call, its id drawn from `rng`; nothing is stored until [`CallBook::add`].
    pub(crate) fn dial(call: NewCall<'_>, fqdn: &str, rng: &mut StdRng) -> Call {
        let guid = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            rng.random::<u32>(),
            rng.random::<u16>(),
            (rng.random::<u16>() & 0x0fff) | 0x4000,
            (rng.random::<u16>() & 0x3fff) | 0x8000,
            rng.random::<u64>() & 0xffff_ffff_ffff
        );
        Call {
            seq: 0,
            id: base64::engine::general_purpose::STANDARD.encode(format!("{guid}@{fqdn}")),
            mailbox: call.mailbox.to_string(),
            operation: call.operation.to_string(),
            dial_string: call.dial_string.to_string(),
            content: call.content.to_string(),
            started_at: call.at.rfc3339(),
            state: CallState::Connecting,
            event_cause: "None",
            started: Instant::now(),
            disconnected: false,
        }
    }

    /// Stores a call made by [`CallBook::dial`], dropping the oldest past the count or
    /// [`MAX_CALL_BYTES`] (the newest is always kept).
    pub(crate) fn add(&mut self, mut call: Call) {
        call.seq = self.ring.allocate_id();
        let size = call.held_bytes();
        while self.ring.len() > 0 && self.bytes + size > MAX_CALL_BYTES {
            if let Some(dropped) = self.ring.pop_oldest() {
                self.bytes -= dropped.held_bytes();
            }
        }
        self.bytes += size;
        if let Some(dropped) = self.ring.push(call) {
            self.bytes -= dropped.held_bytes();
        }
    }

    /// The call `id` of `mailbox`, its state brought up to date.
    pub(crate) fn get(&self, id: &str, mailbox: &str, step_ms: u64) -> Option<Call> {
        self.ring
            .iter()
            .find(|c| c.id == id && c.mailbox.eq_ignore_ascii_case(mailbox))
            .map(|c| with_state(c, step_ms))
    }

    /// Ends call `id` of `mailbox`; false if there is no such call.
    pub(crate) fn disconnect(&mut self, id: &str, mailbox: &str) -> bool {
        let found = self
            .ring
            .iter_mut()
            .find(|c| c.id == id && c.mailbox.eq_ignore_ascii_case(mailbox));
        match found {
            Some(call) => {
                call.disconnected = true;
                true
            }
            None => false,
        }
    }

    pub(crate) fn all(&self, step_ms: u64) -> Vec<Call> {
        self.ring.iter().map(|c| with_state(c, step_ms)).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.ring.clear();
        self.bytes = 0;
    }
}

fn with_state(call: &Call, step_ms: u64) -> Call {
    let mut call = call.clone();
    call.state = if call.disconnected {
        CallState::Disconnected
    } else {
        let steps = match step_ms {
            0 => u128::MAX,
            ms => call.started.elapsed().as_millis() / u128::from(ms),
        };
        match steps {
            0 => CallState::Connecting,
            1 => CallState::Alerted,
            _ => CallState::Connected,
        }
    };
    call
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::pin::mailbox_rng;

    fn book_with_call_started_ago(ago: Duration) -> (CallBook, String) {
        let mut book = CallBook::new(10);
        let call = NewCall {
            mailbox: "a@x",
            operation: "PlayOnPhone",
            dial_string: "1",
            content: "c",
            at: Timestamp::now(),
        };
        let call = CallBook::dial(call, "um.example", &mut mailbox_rng(Some(1), "calls"));
        let id = call.id.clone();
        book.add(call);
        book.ring
            .iter_mut()
            .for_each(|c| c.started = Instant::now() - ago);
        (book, id)
    }

    #[test]
    fn a_call_steps_connecting_alerted_connected_and_stays_disconnected_once_ended() {
        for (ago_ms, expected) in [
            (0, CallState::Connecting),
            (150, CallState::Alerted),
            (250, CallState::Connected),
        ] {
            let (book, id) = book_with_call_started_ago(Duration::from_millis(ago_ms));
            assert_eq!(
                book.get(&id, "A@X", 100).unwrap().state,
                expected,
                "{ago_ms} ms after placing"
            );
        }
        let (mut book, id) = book_with_call_started_ago(Duration::ZERO);
        assert!(book.disconnect(&id, "a@x"));
        assert_eq!(
            book.get(&id, "a@x", 0).unwrap().state,
            CallState::Disconnected
        );
        assert!(
            !book.disconnect(&id, "someone@else"),
            "a call belongs to its mailbox"
        );
        assert!(book.get(&id, "someone@else", 0).is_none());
    }

    /// A call whose dial string is `dial_string`.
    fn call_dialling(dial_string: &str) -> Call {
        let call = NewCall {
            mailbox: "a@x",
            operation: "PlayOnPhoneGreeting",
            dial_string,
            content: "NormalCustom",
            at: Timestamp::now(),
        };
        CallBook::dial(call, "um.example", &mut mailbox_rng(Some(1), "calls"))
    }

    #[test]
    fn past_its_byte_budget_the_oldest_calls_are_dropped_and_the_newest_is_always_kept() {
        let mut book = CallBook::new(10_000);
        let huge = "1".repeat(900_000);

        for _ in 0..20 {
            book.add(call_dialling(&huge));
        }
        let kept: Vec<u64> = book.ring.iter().map(|c| c.seq).collect();
        let bytes = book.bytes;
        book.add(call_dialling(&"1".repeat(MAX_CALL_BYTES + 1)));

        // 2 MiB holds two calls of 900 KB dial strings, not three: the newest two.
        assert_eq!(kept, [19, 20]);
        assert!(bytes <= MAX_CALL_BYTES, "{bytes}");
        let alone = book.all(0);
        assert_eq!(alone.len(), 1, "only the newest, alone over the budget");
        assert_eq!(alone[0].dial_string.len(), MAX_CALL_BYTES + 1);
        assert_eq!(book.bytes, alone[0].held_bytes());
    }
}
