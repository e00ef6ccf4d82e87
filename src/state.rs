//! The one place where state changes together: mailboxes, scenarios, captured mail and the
//! journal live in one [`World`] behind one lock, so a request's effects (new PIN, history,
//! email, journal entry) are all visible or none is.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Problem};
use crate::fixtures::{FixtureSet, Fixtures};
use crate::expect::Expectations;
use crate::journal::{Journal, RecordedRequest};
use crate::mail::{Email, EmailFilter, MailStore};
use crate::mailbox::{self, Mailbox, MailboxPatch, MailboxState};
use crate::outcomes::{Scenario, ScenarioBook};

/// Bounds and options a server runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) max_body_bytes: usize,
    pub(crate) max_emails: usize,
    pub(crate) max_requests: usize,
    pub(crate) seed: Option<u64>,
    pub(crate) admin_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config { max_body_bytes: 1_048_576, max_emails: 10_000, max_requests: 10_000, seed: None, admin_token: None }
    }
}

/// Everything a request can read or change.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) fixtures: Arc<Fixtures>,
    pub(crate) mailboxes: Vec<Mailbox>,
    pub(crate) scenarios: ScenarioBook,
    /// The scenarios as loaded, restored by a reset.
    loaded_scenarios: ScenarioBook,
    pub(crate) emails: MailStore,
    pub(crate) journal: Journal,
    /// Counted as the journal records, so eviction from the journal cannot change a count.
    pub(crate) expectations: Expectations,
    seed: Option<u64>,
}

impl World {
    fn new(fixtures: Arc<Fixtures>, config: &Config) -> Self {
        let mut world = World {
            fixtures,
            mailboxes: Vec::new(),
            scenarios: ScenarioBook::default(),
            loaded_scenarios: ScenarioBook::default(),
            emails: MailStore::new(config.max_emails),
            journal: Journal::new(config.max_requests),
            expectations: Expectations::default(),
            seed: config.seed,
        };
        world.install(world.fixtures.clone());
        world
    }

    /// Makes `fixtures` current: mailboxes and scenarios as they describe, mail and journal
    /// empty. Ids (emails, requests, scenarios) keep counting.
    fn install(&mut self, fixtures: Arc<Fixtures>) {
        self.loaded_scenarios = self.scenarios.successor(&fixtures.scenarios);
        self.fixtures = fixtures;
        self.reset();
    }

    /// Back to the fixtures as loaded.
    pub(crate) fn reset(&mut self) {
        let fixtures = &self.fixtures;
        self.mailboxes = fixtures
            .mailboxes
            .iter()
            .map(|m| {
                let policy = &fixtures.policies[&m.state().policy];
                Mailbox::from_fixture(m, policy, self.seed)
            })
            .collect();
        self.scenarios.restore(&self.loaded_scenarios);
        self.emails.reset();
        self.journal.clear();
        // Expectations are part of a test's arrangement, like scenarios added at run time.
        self.expectations.clear();
    }

    /// Journals a request, counting it for the expectations first (the one hook they need).
    pub(crate) fn record(&mut self, request: RecordedRequest) {
        self.expectations.observe(&request);
        self.journal.record(request);
    }

    /// The mailbox with this SMTP address (case-insensitive).
    pub(crate) fn mailbox_index(&self, address: &str) -> Option<usize> {
        self.mailboxes.iter().position(|m| m.state.smtp_address.eq_ignore_ascii_case(address))
    }
}

/// A cheap, cloneable handle on the shared state.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// A std mutex, not tokio's: every critical section is short and synchronous (never held
    /// across an `.await`), and the wiremock responder and library accessors lock it from
    /// plain threads.
    world: Mutex<World>,
    /// The id of the newest captured email; long-polls wait on it. A watch channel because a
    /// waiter that subscribes after a send still sees the newest value.
    mail_tick: watch::Sender<u64>,
    config: Config,
    /// Where `reload` re-reads fixtures from.
    source: FixtureSet,
}

impl Shared {
    pub(crate) fn new(source: FixtureSet, config: Config) -> Result<Self, Error> {
        let fixtures = crate::fixtures::load_shared(&source).map_err(Error::Fixtures)?;
        let world = World::new(fixtures, &config);
        Ok(Shared {
            inner: Arc::new(Inner { world: Mutex::new(world), mail_tick: watch::Sender::new(0), config, source }),
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave a half-applied change behind: changes are
        // made on values that are only swapped in once complete. So serving on is safe.
        self.inner.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the world under the lock. Delayed emails that are due are captured first,
    /// and long-polls are woken if `f` (or that) captured any email.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (result, newest) = {
            let mut world = self.lock();
            world.emails.release_due();
            let result = f(&mut world);
            (result, world.emails.newest_id())
        };
        self.inner.mail_tick.send_if_modified(|seen| {
            let changed = *seen != newest;
            *seen = newest;
            changed
        });
        result
    }

    /// The emails matching `filter`, waiting up to `wait` for a first one (or until `stop`).
    pub(crate) async fn wait_for_emails(
        &self,
        filter: &EmailFilter,
        wait: Duration,
        stop: impl Future<Output = ()>,
    ) -> (usize, Vec<Email>, u64) {
        let deadline = tokio::time::Instant::now() + wait;
        tokio::pin!(stop);
        loop {
            let mut tick = self.inner.mail_tick.subscribe();
            let (total, page, evicted, next_due) =
                self.with(|w| {
                    let (total, page) = w.emails.page(filter);
                    (total, page, w.emails.evicted(), w.emails.next_due())
                });
            let now = tokio::time::Instant::now();
            if total > 0 || now >= deadline {
                return (total, page, evicted);
            }
            // Wake for a new email, for a delayed email falling due, at the deadline, or at stop.
            let wake = next_due.map_or(deadline, |due| deadline.min(tokio::time::Instant::from_std(due)));
            tokio::select! {
                _ = tick.changed() => {}
                _ = tokio::time::sleep_until(wake) => {}
                _ = &mut stop => return (total, page, evicted),
            }
        }
    }

    /// Stores a scenario after checking it against the fixtures; every problem otherwise.
    pub(crate) fn add_scenario(&self, scenario: Scenario) -> Result<Scenario, Vec<String>> {
        self.with(|w| {
            let problems = w.fixtures.scenario_problems(&scenario);
            if problems.is_empty() {
                Ok(w.scenarios.add(scenario))
            } else {
                Err(problems.into_iter().map(|(key, problem)| format!("{key}: {problem}")).collect())
            }
        })
    }

    /// Applies `patch` to the mailbox `address` if the result passes the fixture checks;
    /// `Ok(None)` if there is no such mailbox, every problem if it does not pass.
    pub(crate) fn update_mailbox(&self, address: &str, patch: MailboxPatch) -> Result<Option<MailboxState>, Vec<String>> {
        self.with(|w| {
            let Some(index) = w.mailbox_index(address) else { return Ok(None) };
            let next = patch.applied_to(&w.mailboxes[index], &w.fixtures.policies);
            let mut problems: Vec<String> = mailbox::problems(&next.state, &w.fixtures.references())
                .into_iter()
                .map(|(key, problem)| format!("{key}: {problem}"))
                .collect();
            let states = w.mailboxes.iter().enumerate().map(|(i, m)| (i, if i == index { &next.state } else { &m.state }));
            problems.extend(
                mailbox::duplicate_names(states)
                    .into_iter()
                    .map(|(i, key, problem)| format!("{key}: {problem} (mailbox {})", w.mailboxes[i].state.smtp_address)),
            );
            if !problems.is_empty() {
                return Err(problems);
            }
            w.mailboxes[index] = next;
            Ok(Some(w.mailboxes[index].state.clone()))
        })
    }

    /// Back to the fixtures as loaded.
    pub(crate) fn reset(&self) {
        self.with(World::reset);
    }

    /// Re-reads the fixtures folder; all or nothing.
    pub(crate) fn reload(&self) -> Result<(), ReloadError> {
        let Some(dir) = self.inner.source.dir() else { return Err(ReloadError::Embedded) };
        let set = FixtureSet::from_dir(dir).map_err(|e| ReloadError::Problems(vec![read_problem(e)]))?;
        let fixtures = crate::fixtures::load(&set).map_err(ReloadError::Problems)?;
        self.with(|w| w.install(Arc::new(fixtures)));
        Ok(())
    }
}

/// Why a reload did not happen.
#[derive(Debug)]
pub(crate) enum ReloadError {
    Embedded,
    Problems(Vec<Problem>),
}

fn read_problem(error: Error) -> Problem {
    Problem { file: String::new(), path: String::new(), message: error.to_string() }
}
