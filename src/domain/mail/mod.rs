//! Captured PIN emails: the [`Email`] a ResetPIN "sends", the bounded store that keeps them,
//! their template ([`template`]) and their RFC 5322 / MIME form ([`mime`]).

pub(crate) mod languages;
pub(crate) mod mime;
pub(crate) mod relay;
pub(crate) mod template;
pub(crate) mod wording;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use self::relay::RelayStatus;
use self::template::{MailTemplate, MailValues};
use crate::vocab::clock::Clock;
use crate::vocab::ring::{Keyed, Ring};
use crate::vocab::time::Timestamp;

/// A captured PIN email, exactly as `GET /__admin/emails/{id}` shows it.
///
/// ```
/// # async fn demo() {
/// use exchange_um_mock::UmMockServer;
/// # let server = UmMockServer::start().await;
/// for email in server.emails() {
///     assert!(email.text_body.contains(&email.pin));
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Email {
    /// Counts up from 1 per server; never reused.
    pub id: u64,
    /// The mailbox whose PIN was reset (its SMTP address).
    pub mailbox: String,
    /// The recipient address.
    pub to: String,
    /// The sender, `Name <address>`.
    pub from: String,
    /// The subject line.
    pub subject: String,
    /// Plain-text body: the PIN, extension, access numbers and the policy's reset text.
    pub text_body: String,
    /// The same content as HTML.
    pub html_body: String,
    /// The culture name it is written in (the mailbox's language), e.g. `pt-BR`.
    pub language: String,
    /// The new PIN.
    pub pin: String,
    /// The mailbox's extension.
    pub extension: Option<String>,
    /// The dial plan's telephone access numbers.
    pub access_numbers: Vec<String>,
    /// The operation that sent it (`ResetPIN`).
    pub operation: String,
    /// The journal id of the request that caused it.
    pub request_id: Option<u64>,
    /// When it was captured (RFC 3339, UTC).
    pub sent_at: String,
    /// Its delivery to the SMTP relay (`--smtp-relay`, [`smtp_relay`]); `None` (`null`)
    /// when the server relays nothing.
    ///
    /// [`smtp_relay`]: crate::UmMockServerBuilder#method.smtp_relay
    pub relay: Option<RelayStatus>,
}

/// A stored email: its id, capture time (also the MIME `Date:` header) and the values its
/// text is made from. The text is rendered when the email is read, not when it is captured:
/// capturing happens under the state lock on every reset, reading rarely.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    id: u64,
    at: Timestamp,
    pending: PendingEmail,
    /// How its delivery to the SMTP relay stands; `None` without a relay. A change makes a new
    /// `Captured` (see [`MailStore::set_relay`]), so one held by an event keeps its state.
    relay: Option<RelayStatus>,
}

impl Keyed for Captured {
    fn key(&self) -> u64 {
        self.id
    }
}

impl Captured {
    /// The email as the admin API shows it, rendered now.
    pub(crate) fn email(&self) -> Email {
        let p = &self.pending;
        let mail = p.template.render(&MailValues {
            display_name: &p.display_name,
            smtp_address: &p.mailbox,
            pin: &p.pin,
            extension: p.extension.as_deref(),
            access_numbers: &p.access_numbers,
            reset_pin_text: &p.reset_pin_text,
        });
        Email {
            id: self.id,
            mailbox: p.mailbox.clone(),
            to: p.mailbox.clone(),
            from: mail.from,
            subject: mail.subject,
            text_body: mail.text_body,
            html_body: mail.html_body,
            language: mail.language,
            pin: p.pin.clone(),
            extension: p.extension.clone(),
            access_numbers: p.access_numbers.to_vec(),
            operation: p.operation.to_string(),
            request_id: p.request_id,
            sent_at: self.at.rfc3339(),
            relay: self.relay.clone(),
        }
    }

    #[cfg(feature = "smtp")]
    /// Its id (the one `GET /__admin/emails/{id}` takes).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The RFC 5322 / MIME text, exactly what `GET /__admin/emails/{id}/raw` answers and the
    /// relay sends.
    pub(crate) fn source(&self) -> String {
        mime::render(&self.email(), self.at)
    }
}

/// An email decided but not yet captured (no id, no time): the values its text is made from,
/// and the template (as it was when the email was sent, even if the fixtures are reloaded).
#[derive(Debug, Clone)]
pub(crate) struct PendingEmail {
    pub(crate) mailbox: String,
    pub(crate) display_name: String,
    pub(crate) pin: String,
    pub(crate) extension: Option<String>,
    /// The dial plan's, shared with it.
    pub(crate) access_numbers: Arc<[String]>,
    /// The policy's `reset_pin_text`, appended to the text.
    pub(crate) reset_pin_text: String,
    pub(crate) operation: &'static str,
    pub(crate) request_id: Option<u64>,
    pub(crate) template: Arc<MailTemplate>,
}

/// Filters of the email list (`to`, `mailbox`, `after_id`, `limit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EmailFilter {
    pub(crate) to: Option<String>,
    pub(crate) mailbox: Option<String>,
    pub(crate) after_id: Option<u64>,
    pub(crate) limit: Option<usize>,
}

impl EmailFilter {
    fn keeps(&self, email: &Captured) -> bool {
        // The recipient is the mailbox itself.
        let address = &email.pending.mailbox;
        let same = |want: &Option<String>| {
            want.as_ref()
                .is_none_or(|w| w.eq_ignore_ascii_case(address))
        };
        same(&self.to) && same(&self.mailbox)
    }
}

/// The captured emails, plus those whose capture is scripted to happen later
/// (`mail_delay_ms`). A delayed email is held here, not in a timer task, so it cannot be lost:
/// every read releases what is due first.
#[derive(Debug)]
pub(crate) struct MailStore {
    ring: Ring<Arc<Captured>>,
    /// Delayed emails by (due time, queue order): the first entry is the next due, so nothing
    /// is sorted under the lock.
    delayed: BTreeMap<(Instant, u64), PendingEmail>,
    /// Counts delayed emails as they are queued (the tie-break, and "oldest" for the cap).
    queued: u64,
    capacity: usize,
    /// Stamps `sent_at` (the double's clock; due times stay in real time).
    clock: Clock,
    /// Whether emails are relayed: each is captured with a pending delivery.
    relayed: bool,
}

impl MailStore {
    /// How many captured emails it holds.
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    pub(crate) fn new(capacity: usize, clock: Clock) -> Self {
        MailStore {
            ring: Ring::new(capacity),
            delayed: BTreeMap::new(),
            queued: 0,
            capacity: capacity.max(1),
            clock,
            relayed: false,
        }
    }

    /// From now on every email is captured with a pending delivery to the relay.
    #[cfg(feature = "smtp")]
    pub(crate) fn relay_all(&mut self) {
        self.relayed = true;
    }

    #[cfg(feature = "smtp")]
    /// Sets the delivery state of email `id`; the email as it is now, or `None` if it is no
    /// longer stored (evicted, cleared): its delivery goes on, but there is no email to show.
    pub(crate) fn set_relay(&mut self, id: u64, status: RelayStatus) -> Option<Arc<Captured>> {
        let stored = self.ring.get_mut(id)?;
        let mut changed = Captured::clone(stored);
        changed.relay = Some(status);
        *stored = Arc::new(changed);
        Some(Arc::clone(stored))
    }

    /// Captures `pending` now (by the double's clock); the stored email, shared (rendering
    /// it is left to whoever reads it).
    pub(crate) fn capture(&mut self, pending: PendingEmail) -> Arc<Captured> {
        let captured = Arc::new(Captured {
            id: self.ring.allocate_id(),
            at: self.clock.now(),
            pending,
            relay: self.relayed.then(RelayStatus::pending),
        });
        self.ring.push(Arc::clone(&captured));
        captured
    }

    /// Holds `pending` until `delay` has passed. Past `--max-emails` pending, the one queued
    /// longest ago is captured at once (and returned), so pending mail is bounded and none is
    /// lost.
    pub(crate) fn capture_later(
        &mut self,
        pending: PendingEmail,
        delay: Duration,
    ) -> Option<Arc<Captured>> {
        self.queued += 1;
        let due = Instant::now() + delay;
        self.delayed.insert((due, self.queued), pending);
        if self.delayed.len() > self.capacity {
            let oldest = self
                .delayed
                .keys()
                .min_by_key(|(_, order)| *order)
                .copied()
                .expect("more than capacity (at least 1) are pending");
            return self
                .delayed
                .remove(&oldest)
                .map(|pending| self.capture(pending));
        }
        None
    }

    /// Captures every delayed email that is due, in due order; the emails captured.
    pub(crate) fn release_due(&mut self) -> Vec<Arc<Captured>> {
        let now = Instant::now();
        let mut released = Vec::new();
        while let Some(entry) = self.delayed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let pending = entry.remove();
            released.push(self.capture(pending));
        }
        released
    }

    /// Empties the store. Delayed emails still due are kept: they belong to requests already
    /// answered, and clearing must not lose them.
    pub(crate) fn clear(&mut self) {
        self.ring.clear();
    }

    /// Empties the store and forgets delayed emails too (`POST /__admin/reset`).
    pub(crate) fn reset(&mut self) {
        self.ring.clear();
        self.delayed.clear();
    }

    /// When the next delayed email falls due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.delayed.keys().next().map(|(due, _)| *due)
    }

    /// The id of the newest email ever captured (0 before the first).
    pub(crate) fn newest_id(&self) -> u64 {
        self.ring.last_id()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.ring.evicted()
    }

    pub(crate) fn get(&self, id: u64) -> Option<Email> {
        self.ring.get(id).map(|c| c.email())
    }

    /// The RFC 5322 / MIME text of email `id`.
    pub(crate) fn raw(&self, id: u64) -> Option<String> {
        self.ring.get(id).map(|c| c.source())
    }

    pub(crate) fn page(&self, filter: &EmailFilter) -> (usize, Vec<Email>) {
        let (total, page) = self
            .ring
            .page(|c| filter.keeps(c), filter.after_id, filter.limit);
        (total, page.iter().map(|c| c.email()).collect())
    }

    /// The newest email that matches `filter` (its `limit` is ignored).
    pub(crate) fn latest(&self, filter: &EmailFilter) -> Option<Email> {
        let after = filter.after_id.unwrap_or(0);
        self.ring
            .iter()
            .rev()
            .find(|c| c.id > after && filter.keeps(c))
            .map(|c| c.email())
    }

    /// Every stored email, oldest first.
    pub(crate) fn all(&self) -> Vec<Email> {
        self.ring.iter().map(|c| c.email()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(pin: &str) -> PendingEmail {
        PendingEmail {
            mailbox: "a@x.com".into(),
            display_name: "A".into(),
            pin: pin.into(),
            extension: None,
            access_numbers: Arc::default(),
            reset_pin_text: String::new(),
            operation: "ResetPIN",
            request_id: None,
            template: languages::MailWording::built_in().for_language("en-US"),
        }
    }

    #[test]
    fn past_the_cap_the_email_queued_longest_ago_is_captured_at_once() {
        let mut store = MailStore::new(2, Clock::default());
        let hour = Duration::from_secs(3600);

        store.capture_later(pending("111111"), hour);
        store.capture_later(pending("222222"), Duration::from_secs(7200));
        store.capture_later(pending("333333"), hour);

        let pins: Vec<String> = store.all().into_iter().map(|e| e.pin).collect();
        assert_eq!(pins, ["111111"], "the first queued is captured, not lost");
        assert_eq!(store.delayed.len(), 2);
        assert!(store.release_due().is_empty(), "the others are not due yet");
    }

    #[test]
    fn due_emails_are_released_in_due_order() {
        let mut store = MailStore::new(10, Clock::default());
        store.capture_later(pending("222222"), Duration::from_millis(2));
        store.capture_later(pending("111111"), Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));

        assert!(!store.release_due().is_empty());

        let pins: Vec<String> = store.all().into_iter().map(|e| e.pin).collect();
        assert_eq!(pins, ["111111", "222222"]);
        assert_eq!(store.next_due(), None);
    }
}
