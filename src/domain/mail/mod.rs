//! Captured PIN emails: the [`Email`] a ResetPIN "sends", the bounded store that keeps them,
//! their template ([`template`]) and their RFC 5322 / MIME form ([`mime`]).

pub(crate) mod mime;
pub(crate) mod template;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A stored email with its capture time (for the MIME `Date:` header).
#[derive(Debug, Clone)]
struct Captured {
    email: Email,
    at: Timestamp,
}

impl Keyed for Captured {
    fn key(&self) -> u64 {
        self.email.id
    }
}

/// An email decided but not yet captured (no id, no time).
#[derive(Debug, Clone)]
pub(crate) struct PendingEmail {
    pub(crate) mailbox: String,
    pub(crate) from: String,
    pub(crate) subject: String,
    pub(crate) text_body: String,
    pub(crate) html_body: String,
    pub(crate) pin: String,
    pub(crate) extension: Option<String>,
    pub(crate) access_numbers: Vec<String>,
    pub(crate) operation: String,
    pub(crate) request_id: Option<u64>,
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
    fn keeps(&self, email: &Email) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_ref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        same(&self.to, &email.to) && same(&self.mailbox, &email.mailbox)
    }
}

/// The captured emails, plus those whose capture is scripted to happen later
/// (`mail_delay_ms`). A delayed email is held here, not in a timer task, so it cannot be lost:
/// every read releases what is due first.
#[derive(Debug)]
pub(crate) struct MailStore {
    ring: Ring<Captured>,
    delayed: Vec<(Instant, PendingEmail)>,
}

impl MailStore {
    pub(crate) fn new(capacity: usize) -> Self {
        MailStore {
            ring: Ring::new(capacity),
            delayed: Vec::new(),
        }
    }

    /// Captures `pending` now and returns the stored email.
    pub(crate) fn capture(&mut self, pending: PendingEmail) -> Email {
        let at = Timestamp::now();
        let email = Email {
            id: self.ring.allocate_id(),
            to: pending.mailbox.clone(),
            mailbox: pending.mailbox,
            from: pending.from,
            subject: pending.subject,
            text_body: pending.text_body,
            html_body: pending.html_body,
            pin: pending.pin,
            extension: pending.extension,
            access_numbers: pending.access_numbers,
            operation: pending.operation,
            request_id: pending.request_id,
            sent_at: at.rfc3339(),
        };
        self.ring.push(Captured {
            email: email.clone(),
            at,
        });
        email
    }

    /// Holds `pending` until `delay` has passed.
    pub(crate) fn capture_later(&mut self, pending: PendingEmail, delay: Duration) {
        self.delayed.push((Instant::now() + delay, pending));
    }

    /// Captures every delayed email that is due, in due order; true if any was.
    pub(crate) fn release_due(&mut self) -> bool {
        if self.delayed.is_empty() {
            return false;
        }
        let now = Instant::now();
        self.delayed.sort_by_key(|(due, _)| *due);
        let due = self.delayed.partition_point(|(due, _)| *due <= now);
        let released: Vec<_> = self.delayed.drain(..due).collect();
        for (_, pending) in released {
            self.capture(pending);
        }
        due > 0
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
        self.delayed.iter().map(|(due, _)| *due).min()
    }

    /// The id of the newest email ever captured (0 before the first).
    pub(crate) fn newest_id(&self) -> u64 {
        self.ring.last_id()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.ring.evicted()
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Email> {
        self.ring.get(id).map(|c| &c.email)
    }

    /// The RFC 5322 / MIME text of email `id`.
    pub(crate) fn raw(&self, id: u64) -> Option<String> {
        self.ring
            .get(id)
            .map(|c| mime::render(&c.email, &c.at.rfc5322()))
    }

    pub(crate) fn page(&self, filter: &EmailFilter) -> (usize, Vec<Email>) {
        let (total, page) =
            self.ring
                .page(|c| filter.keeps(&c.email), filter.after_id, filter.limit);
        (total, page.into_iter().map(|c| c.email).collect())
    }

    /// The newest email that matches `filter` (its `limit` is ignored).
    pub(crate) fn latest(&self, filter: &EmailFilter) -> Option<Email> {
        let after = filter.after_id.unwrap_or(0);
        self.ring
            .iter()
            .rev()
            .map(|c| &c.email)
            .find(|e| e.id > after && filter.keeps(e))
            .cloned()
    }

    /// Every stored email, oldest first.
    pub(crate) fn all(&self) -> Vec<Email> {
        self.ring.iter().map(|c| c.email.clone()).collect()
    }
}
