//! [`World`]: everything a request can read or change, with private fields and methods named by
//! what they do. Its invariants hold because nothing outside `state` can reach a field:
//! expectations count exactly what the journal records, and ids are allocated and pushed in
//! the same critical section, so stores stay in id order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;

use super::events::Change;
use super::Config;
use crate::domain::calls::{Call, CallBook};
use crate::domain::expect::{Expectations, Expected, Times};
use crate::domain::journal::{Journal, RecordedRequest, RequestFilter};
use crate::domain::mail::{Captured, Email, EmailFilter, MailStore, PendingEmail};
use crate::domain::mailbox::{self, Mailbox, MailboxPatch, MailboxState};
use crate::domain::outcomes::ScenarioBook;
use crate::domain::pin::mailbox_rng;
use crate::error::Problem;
use crate::fixtures::Fixtures;
use crate::vocab::clock::Clock;
use crate::vocab::Operation;

mod scenarios;

pub(crate) use self::scenarios::NotAdded;

/// Seeds the call-id RNG (no mailbox address can equal it: it has no '@').
const CALL_RNG_KEY: &str = "play-on-phone calls";

/// Everything a request can read or change.
#[derive(Debug)]
pub(crate) struct World {
    pub(super) fixtures: Arc<Fixtures>,
    pub(super) mailboxes: Vec<Mailbox>,
    pub(super) scenarios: ScenarioBook,
    /// The scenarios as loaded, restored by a reset.
    loaded_scenarios: ScenarioBook,
    pub(super) emails: MailStore,
    pub(super) journal: Journal,
    pub(super) calls: CallBook,
    /// Generates call ids; apart from the mailboxes' RNGs so calls never shift PIN sequences.
    pub(super) call_rng: StdRng,
    /// Counted as the journal records, so eviction from the journal cannot change a count.
    pub(super) expectations: Expectations,
    seed: Option<u64>,
    /// The most bytes of outcome text one scenario added at run time may carry
    /// (`--max-body-bytes`, as the request that would carry it).
    max_scenario_bytes: usize,
    /// The double's clock, shared with [`Shared`](super::Shared) (which stamps requests before
    /// the lock); changed only through the world's methods.
    pub(super) clock: Clock,
    /// Changes made in the current critical section, for the event log; taken by
    /// `Shared::with` before the lock is let go.
    changes: Vec<Change>,
    /// The deliveries to the SMTP relay, when there is one (`relay.rs`).
    #[cfg(feature = "smtp")]
    pub(super) relay: Option<super::relay::RelayQueue>,
}

/// A page of a store: how many match, the page, how many were evicted.
pub(crate) type Page<T> = (usize, Vec<T>, u64);

impl World {
    pub(super) fn new(fixtures: Arc<Fixtures>, config: &Config, clock: Clock) -> Self {
        let mut world = World {
            fixtures: fixtures.clone(),
            mailboxes: Vec::new(),
            scenarios: ScenarioBook::default(),
            loaded_scenarios: ScenarioBook::default(),
            emails: MailStore::new(config.max_emails, clock.clone()),
            journal: Journal::new(config.max_requests, config.max_journal_bytes),
            calls: CallBook::new(config.max_requests),
            call_rng: mailbox_rng(config.seed, CALL_RNG_KEY),
            expectations: Expectations::default(),
            seed: config.seed,
            max_scenario_bytes: config.max_body_bytes,
            clock,
            changes: Vec::new(),
            #[cfg(feature = "smtp")]
            relay: None,
        };
        world.install(fixtures);
        // The state as loaded is where every listener starts, not a change.
        world.changes.clear();
        world
    }

    /// Makes `fixtures` current: mailboxes and scenarios (run-time ones included) as they
    /// describe. Captured and pending emails, the journal, calls and expectations stay
    /// as they were, as a reload promises; ids keep counting.
    pub(super) fn install(&mut self, fixtures: Arc<Fixtures>) {
        let old_mailboxes = std::mem::take(&mut self.mailboxes);
        let old_scenarios = self.scenarios.newest_first();
        self.loaded_scenarios = self.scenarios.successor(&fixtures.scenarios);
        self.fixtures = fixtures;
        self.mailboxes = self.loaded_mailboxes();
        self.scenarios.restore(&self.loaded_scenarios);
        // A reload changes every mailbox and scenario at once: listeners get each new state,
        // and a `removed` event for each one that is gone.
        let gone: Vec<Mailbox> = old_mailboxes
            .into_iter()
            .filter(|old| self.mailbox_index(&old.state.smtp_address).is_none())
            .collect();
        for mailbox in gone {
            self.note(Change::MailboxRemoved(mailbox.state));
        }
        let current = self.scenarios.newest_first();
        for gone in old_scenarios
            .into_iter()
            .rev()
            .filter(|old| current.iter().all(|s| s.id != old.id))
        {
            self.note(Change::Scenario {
                scenario: gone,
                removed: true,
            });
        }
        for index in 0..self.mailboxes.len() {
            self.note(Change::Mailbox(self.mailboxes[index].state.clone()));
        }
        for scenario in current.into_iter().rev() {
            self.note(Change::Scenario {
                scenario,
                removed: false,
            });
        }
    }

    /// Notes a change for the event log.
    pub(super) fn note(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// The changes noted since the last call, in the order they were made.
    pub(super) fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// The fixtures' mailboxes, their PINs set now (by the double's clock).
    fn loaded_mailboxes(&self) -> Vec<Mailbox> {
        let fixtures = &self.fixtures;
        let now = self.clock.now();
        fixtures
            .mailboxes
            .iter()
            .map(|m| {
                let policy = &fixtures.policies[&m.state(&fixtures.dial_plans).policy];
                Mailbox::from_fixture(m, policy, &fixtures.dial_plans, self.seed, now)
            })
            .collect()
    }

    /// Back to the fixtures as loaded: real time, mailboxes, scenarios, no emails, journal,
    /// calls or expectations. Ids keep counting.
    pub(crate) fn reset(&mut self) {
        // First, so the fixture PINs are set at the real time.
        self.clock.real_time();
        self.mailboxes = self.loaded_mailboxes();
        self.scenarios.restore(&self.loaded_scenarios);
        self.emails.reset();
        self.journal.clear();
        self.calls.clear();
        self.call_rng = mailbox_rng(self.seed, CALL_RNG_KEY);
        // Expectations are part of a test's arrangement, like scenarios added at run time.
        self.expectations.clear();
        self.note(Change::Reset);
    }

    /// The mailbox with this SMTP address (case-insensitive).
    pub(super) fn mailbox_index(&self, address: &str) -> Option<usize> {
        self.mailboxes
            .iter()
            .position(|m| m.state.smtp_address.eq_ignore_ascii_case(address))
    }

    // Emails.

    /// Makes `mailbox` the current state of mailbox `index`, and says so to event listeners.
    pub(super) fn replace_mailbox(&mut self, index: usize, mailbox: Mailbox) {
        self.note(Change::Mailbox(mailbox.state.clone()));
        self.mailboxes[index] = mailbox;
    }

    /// Captures `email` now, or after `delay`, and says so (and relays it) when it is
    /// captured.
    pub(super) fn send_email(&mut self, email: PendingEmail, delay: Option<Duration>) {
        let captured = match delay {
            Some(delay) => {
                // `Shared::with` arms the timer that captures it when due (and so relays it).
                self.emails.capture_later(email, delay)
            }
            None => Some(self.emails.capture(email)),
        };
        if let Some(email) = captured {
            self.captured(email);
        }
    }

    /// Notes a just-captured email for the event log, after handing it to the relay if
    /// there is one (whose state the event then shows).
    fn captured(&mut self, email: Arc<Captured>) {
        #[cfg(feature = "smtp")]
        let email = self.relay_captured(email);
        self.note(Change::Email(email));
    }

    /// Captures the delayed emails that are due (every lock does this first).
    pub(super) fn release_due_emails(&mut self) {
        for email in self.emails.release_due() {
            self.captured(email);
        }
    }

    pub(super) fn newest_email_id(&self) -> u64 {
        self.emails.newest_id()
    }

    pub(crate) fn next_due_email(&self) -> Option<Instant> {
        self.emails.next_due()
    }

    /// How many captured emails and journal entries it holds (a session's list entry).
    pub(crate) fn held(&self) -> (usize, usize) {
        (self.emails.len(), self.journal.len())
    }

    /// How many emails and journal entries were dropped for capacity (`GET /__admin/info`).
    pub(crate) fn evicted(&self) -> (u64, u64) {
        (self.emails.evicted(), self.journal.evicted())
    }

    pub(crate) fn emails(&self, filter: &EmailFilter) -> Page<Email> {
        let (total, page) = self.emails.page(filter);
        (total, page, self.emails.evicted())
    }

    pub(crate) fn all_emails(&self) -> Vec<Email> {
        self.emails.all()
    }

    pub(crate) fn latest_email(&self, filter: &EmailFilter) -> Option<Email> {
        self.emails.latest(filter)
    }

    pub(crate) fn email(&self, id: u64) -> Option<Email> {
        self.emails.get(id)
    }

    /// Email `id` as RFC 5322 / MIME text.
    pub(crate) fn email_source(&self, id: u64) -> Option<String> {
        self.emails.raw(id)
    }

    pub(crate) fn clear_emails(&mut self) {
        self.emails.clear();
    }

    // The journal.

    pub(crate) fn requests(&self, filter: &RequestFilter) -> Page<RecordedRequest> {
        let (total, page) = self.journal.page(filter);
        (total, page, self.journal.evicted())
    }

    pub(crate) fn all_requests(&self) -> Vec<RecordedRequest> {
        self.journal.all()
    }

    /// The id the next journaled request gets.
    pub(crate) fn next_request_id(&self) -> u64 {
        self.journal.next_id()
    }

    pub(crate) fn clear_requests(&mut self) {
        self.journal.clear();
    }

    // Mailboxes.

    pub(crate) fn mailbox(&self, address: &str) -> Option<MailboxState> {
        self.mailbox_index(address)
            .map(|i| self.mailboxes[i].state.clone())
    }

    pub(crate) fn mailboxes(&self) -> Vec<MailboxState> {
        self.mailboxes.iter().map(|m| m.state.clone()).collect()
    }

    /// Applies `patch` to the mailbox `address` if the result passes the fixture checks;
    /// `Ok(None)` if there is no such mailbox, every problem if it does not pass.
    pub(crate) fn update_mailbox(
        &mut self,
        address: &str,
        patch: MailboxPatch,
    ) -> Result<Option<MailboxState>, Vec<Problem>> {
        let Some(index) = self.mailbox_index(address) else {
            return Ok(None);
        };
        let next = patch.applied_to(
            &self.mailboxes[index],
            &self.fixtures.policies,
            &self.fixtures.dial_plans,
            self.clock.now(),
        );
        let mut problems: Vec<Problem> =
            mailbox::problems(&next.state, &self.fixtures.references())
                .into_iter()
                .map(|(key, problem)| Problem::at(key, problem))
                .collect();
        let states = self
            .mailboxes
            .iter()
            .enumerate()
            .map(|(i, m)| (i, if i == index { &next.state } else { &m.state }));
        problems.extend(
            mailbox::duplicate_names(states)
                .into_iter()
                .map(|(i, key, problem)| {
                    Problem::at(
                        key,
                        format!(
                            "{problem} (mailbox {})",
                            self.mailboxes[i].state.smtp_address
                        ),
                    )
                }),
        );
        if !problems.is_empty() {
            return Err(problems);
        }
        let state = next.state.clone();
        self.replace_mailbox(index, next);
        Ok(Some(state))
    }

    // Calls and expectations.

    /// Every Play on Phone call, its state brought up to date.
    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.all(self.fixtures.call_step_ms)
    }

    /// Expects `times` requests for `operation` (and `mailbox`) from now on.
    pub(crate) fn expect(&mut self, operation: Operation, mailbox: Option<String>, times: Times) {
        let after_id = self.journal.last_id();
        self.expectations
            .add(Expected::new(operation, mailbox, times, after_id));
    }

    /// The report of the expectations not met, if any is not.
    pub(crate) fn unmet_expectations(&self) -> Option<String> {
        // Only unmet expectations need the journal, so it is copied only then.
        self.expectations.has_unmet().then(|| {
            self.expectations
                .report(&self.journal.all(), self.journal.evicted())
        })
    }

    /// The fully qualified name the fixtures give the UM server.
    pub(crate) fn fqdn(&self) -> &str {
        &self.fixtures.fqdn
    }
}
