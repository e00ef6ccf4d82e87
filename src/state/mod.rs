//! The one place where state changes together: mailboxes, scenarios, captured mail and the
//! journal live in one [`World`] behind one lock, so a request's effects (new PIN, history,
//! email, journal entry) are all visible or none is. [`world`] holds the state and the methods
//! named by what they do; [`answer`] is what a request does under the lock.

mod answer;
pub(crate) mod events;
mod identify;
mod phone;
#[cfg(feature = "smtp")]
pub(crate) mod relay;
mod sessions;
mod world;

pub(crate) use answer::{Refused, UmRequest};
pub(crate) use phone::{ClockChange, PhoneRefusal, PinChanged};
pub(crate) use sessions::{
    Doubles, NewSession, Session, SessionEntry, SessionLimits, SessionRefusal, StartFrom,
};
pub(crate) use world::{NotAdded, World};

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::domain::mail::{Email, EmailFilter};
use crate::error::{Error, Problem};
use crate::fixtures::{FixtureSet, Fixtures};
use crate::vocab::clock::Clock;
use crate::vocab::time::Timestamp;

/// Bounds and options a server runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) max_body_bytes: usize,
    pub(crate) max_emails: usize,
    pub(crate) max_requests: usize,
    /// The most bytes of request and response bodies, request headers and entry text the
    /// journal holds.
    pub(crate) max_journal_bytes: usize,
    pub(crate) seed: Option<u64>,
    pub(crate) admin_token: Option<String>,
    /// Host names a browser may use for the admin API and the web inbox besides IP literals,
    /// `localhost` and `server.fqdn` (`--admin-host`).
    pub(crate) admin_hosts: Vec<String>,
    /// Fault when `SOAPAction` does not name the body's operation (Exchange 2007 ASMX style).
    pub(crate) strict_soap_action: bool,
    /// How long a keep-alive connection may wait for its next request.
    pub(crate) idle_timeout: std::time::Duration,
    /// How long a request's body may go without a byte, and how long it may take in all
    /// from the end of its headers, before the answer is 408.
    pub(crate) body_timeouts: BodyTimeouts,
    /// How long an answer's bytes may wait for a client that takes none (an event-stream
    /// reader that stopped reading) before the connection is dropped.
    pub(crate) reader_stall_timeout: std::time::Duration,
}

/// The two limits on a request body that stops arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyTimeouts {
    /// No body byte for this long: 408.
    pub(crate) between_bytes: std::time::Duration,
    /// The whole body not in this long after the headers: 408.
    pub(crate) whole: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body_bytes: 1_048_576,
            max_emails: 10_000,
            max_requests: 10_000,
            max_journal_bytes: 64 * 1024 * 1024,
            seed: None,
            admin_token: None,
            admin_hosts: Vec::new(),
            strict_soap_action: false,
            idle_timeout: std::time::Duration::from_secs(120),
            body_timeouts: BodyTimeouts {
                between_bytes: std::time::Duration::from_secs(30),
                whole: std::time::Duration::from_secs(120),
            },
            reader_stall_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// What a double is made from: where its fixtures come from and its config. Held by both the
/// server's and the wiremock responder's builder.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub(crate) fixtures: Option<FixtureSource>,
    pub(crate) config: Config,
}

/// Where fixtures come from when a double starts.
#[derive(Debug)]
pub(crate) enum FixtureSource {
    Dir(PathBuf),
    Set(FixtureSet),
}

impl Options {
    /// The state a server (or a wiremock responder) runs on: fixtures loaded and checked.
    pub(crate) fn shared_state(self) -> Result<Shared, Error> {
        let set = match self.fixtures {
            None => FixtureSet::embedded(),
            Some(FixtureSource::Set(set)) => set,
            Some(FixtureSource::Dir(dir)) => FixtureSet::from_dir(dir)?,
        };
        Shared::new(set, self.config)
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
    /// Every change, numbered, for `GET /__admin/events`.
    events: events::EventLog,
    /// A session's double: `reload` is refused, as a session keeps the fixtures it started with.
    in_session: bool,
    /// The generated CA certificate (PEM) of the HTTPS listeners, set once at start after
    /// the fixtures (whose `server.fqdn` the leaf names) are loaded; unset without HTTPS or
    /// with the user's certificate. Read by `GET /__admin/ca.pem` and `ca_pem()`.
    ca_pem: OnceLock<String>,
    /// The world's clock, read here without the lock to stamp requests as they arrive.
    clock: Clock,
    /// The fixtures the world runs on and the set they were loaded from, replaced together
    /// on reload (the world's under its lock).
    loaded: RwLock<Loaded>,
    /// When the timer that captures the next delayed email fires, if one is running.
    mail_timer: Mutex<Option<std::time::Instant>>,
}

impl Shared {
    pub(crate) fn new(source: FixtureSet, config: Config) -> Result<Self, Error> {
        let fixtures = crate::fixtures::load_shared(&source).map_err(Error::fixtures)?;
        Ok(Shared::on(fixtures, Arc::new(source), config, false))
    }

    /// A double on `fixtures`, loaded from `source`; `in_session` for a session's.
    fn on(
        fixtures: Arc<Fixtures>,
        source: Arc<FixtureSet>,
        config: Config,
        in_session: bool,
    ) -> Self {
        let clock = Clock::default();
        let world = World::new(Arc::clone(&fixtures), &config, clock.clone());
        Shared {
            inner: Arc::new(Inner {
                world: Mutex::new(world),
                mail_tick: watch::Sender::new(0),
                events: events::EventLog::default(),
                config,
                in_session,
                ca_pem: OnceLock::new(),
                clock,
                loaded: RwLock::new(Loaded { fixtures, source }),
                mail_timer: Mutex::new(None),
            }),
        }
    }

    /// The double's time now (a request's `received_at`); the world changes the clock.
    pub(crate) fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// Records the generated CA certificate; only the first call counts (there is one per
    /// server start).
    #[cfg(feature = "tls")]
    pub(crate) fn set_ca_pem(&self, pem: String) {
        let _ = self.inner.ca_pem.set(pem);
    }

    /// The generated CA certificate (PEM), if the server generated one.
    pub(crate) fn ca_pem(&self) -> Option<&str> {
        self.inner.ca_pem.get().map(String::as_str)
    }

    #[cfg(feature = "smtp")]
    /// Relays every email captured from now on (at most `--max-emails` deliveries pending);
    /// the receiving end is the relay's worker.
    pub(crate) fn start_relay(&self) -> tokio::sync::mpsc::UnboundedReceiver<relay::Job> {
        let (jobs, receiver) = tokio::sync::mpsc::unbounded_channel();
        self.relay_into(jobs);
        receiver
    }

    #[cfg(feature = "smtp")]
    /// Relays every email captured from now on through `jobs`, a worker's queue.
    fn relay_into(&self, jobs: tokio::sync::mpsc::UnboundedSender<relay::Job>) {
        let cap = self.inner.config.max_emails;
        let owner = self.downgrade();
        self.with(|world| world.start_relay(jobs, cap, owner));
    }

    #[cfg(feature = "smtp")]
    /// A handle that does not keep this double alive.
    pub(crate) fn downgrade(&self) -> WeakShared {
        WeakShared(Arc::downgrade(&self.inner))
    }

    /// The events after `last_seen` still kept, and a receiver for the ones to come.
    pub(crate) fn subscribe(&self, last_seen: Option<u64>) -> events::Subscription {
        self.inner.events.subscribe(last_seen)
    }

    /// Where the fixtures came from: a folder's path, or `embedded` / `in memory`.
    pub(crate) fn fixtures_source(&self) -> String {
        let source = self.source();
        match source.dir() {
            Some(dir) => dir.display().to_string(),
            None if *source == FixtureSet::embedded() => "embedded".into(),
            None => "in memory".into(),
        }
    }

    /// The fixtures folder served, if the fixtures came from one.
    pub(crate) fn fixtures_dir(&self) -> Option<std::path::PathBuf> {
        self.source().dir().map(std::path::Path::to_path_buf)
    }

    /// The set the fixtures were last loaded from.
    pub(crate) fn source(&self) -> Arc<FixtureSet> {
        self.loaded().source
    }

    /// The fixtures the world runs on now and the set they were loaded from, as one.
    pub(crate) fn loaded(&self) -> Loaded {
        self.inner
            .loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave a half-applied change behind: a request
        // computes its changes on drafts and commits them only once its answer is made
        // (`answer`; its tests force a panic). So serving on is safe.
        self.inner
            .world
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the world under the lock. Delayed emails that are due are captured first,
    /// and long-polls are woken if `f` (or that) captured any email. The changes made go to
    /// the event log: its lock is taken before the world's is let go, so events are numbered
    /// in the order the changes were made.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (result, newest, next_due, changes, log) = {
            let mut world = self.lock();
            world.release_due_emails();
            let result = f(&mut world);
            let changes = world.take_changes();
            let log = (!changes.is_empty()).then(|| self.inner.events.lock());
            let next_due = world.next_due_email();
            (result, world.newest_email_id(), next_due, changes, log)
        };
        if let Some(log) = log {
            self.inner.events.publish(log, changes);
        }
        self.capture_at(next_due);
        self.inner.mail_tick.send_if_modified(|seen| {
            let changed = *seen != newest;
            *seen = newest;
            changed
        });
        result
    }

    /// Makes sure the delayed email due at `due` is captured then, even if nothing else takes
    /// the lock: its `email` event must reach the event stream when it is captured, not with
    /// the next request. One timer runs for the earliest due email; when it fires, the lock
    /// captures what is due and sets the timer for the next. Outside a tokio runtime (a
    /// library accessor on a plain thread) no timer is set; the server's own requests, which
    /// schedule the emails, always run inside one.
    fn capture_at(&self, due: Option<std::time::Instant>) {
        let Some(due) = due else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        {
            let mut armed = self
                .inner
                .mail_timer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // A timer whose time has passed may have been dropped with its runtime (a
            // responder used from another test's runtime): it no longer counts.
            let now = std::time::Instant::now();
            if armed.is_some_and(|at| at <= due && at > now) {
                return;
            }
            *armed = Some(due);
        }
        // A weak handle: a pending timer must not keep a stopped server's state alive.
        let inner = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
            let Some(inner) = inner.upgrade() else {
                return;
            };
            {
                let mut armed = inner
                    .mail_timer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if *armed == Some(due) {
                    *armed = None;
                }
            }
            Shared { inner }.with(|_| ());
        });
    }

    /// The emails matching `filter`, waiting up to `wait` for a first one (or until `stop`).
    pub(crate) async fn wait_for_emails(
        &self,
        filter: &EmailFilter,
        wait: Duration,
        stop: impl Future<Output = ()>,
    ) -> (usize, Vec<Email>, u64) {
        // A wait too long to add to now (`Duration::MAX`) is a wait of a year: longer than any
        // test, and it cannot overflow.
        let now = tokio::time::Instant::now();
        let deadline = now
            .checked_add(wait)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        tokio::pin!(stop);
        loop {
            let mut tick = self.inner.mail_tick.subscribe();
            let ((total, page, evicted), next_due) =
                self.with(|w| (w.emails(filter), w.next_due_email()));
            let now = tokio::time::Instant::now();
            if total > 0 || now >= deadline {
                return (total, page, evicted);
            }
            // Wake for a new email, for a delayed email falling due, at the deadline, or at stop.
            let wake = next_due.map_or(deadline, |due| {
                deadline.min(tokio::time::Instant::from_std(due))
            });
            tokio::select! {
                _ = tick.changed() => {}
                _ = tokio::time::sleep_until(wake) => {}
                _ = &mut stop => return (total, page, evicted),
            }
        }
    }

    /// The fixtures the world runs on now.
    pub(crate) fn fixtures(&self) -> Arc<Fixtures> {
        let loaded = self
            .inner
            .loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&loaded.fixtures)
    }

    /// Re-reads the fixtures folder; all or nothing.
    pub(crate) fn reload(&self) -> Result<(), ReloadError> {
        if self.inner.in_session {
            return Err(ReloadError::Session);
        }
        let Some(dir) = self.fixtures_dir() else {
            return Err(ReloadError::Embedded);
        };
        let set = FixtureSet::from_dir(&dir)
            .map_err(|error| ReloadError::Problems(error.problems().to_vec()))?;
        let fixtures = Arc::new(crate::fixtures::load(&set).map_err(ReloadError::Problems)?);
        // Under the world lock, so the snapshot and the world change together.
        self.with(|w| {
            w.install(Arc::clone(&fixtures));
            *self
                .inner
                .loaded
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Loaded {
                fixtures,
                source: Arc::new(set),
            };
        });
        Ok(())
    }
}

/// The fixtures a double runs on and the set (a folder's files, the embedded ones, a
/// session's own) they were loaded from: where `reload` re-reads them from, and the response
/// files a session's inline fixtures name.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub(crate) fixtures: Arc<Fixtures>,
    pub(crate) source: Arc<FixtureSet>,
}

/// A [`Shared`] that does not keep its double alive: what a double's relay deliveries report
/// back to, so a session that ended can go while its emails are still being delivered.
#[cfg(feature = "smtp")]
#[derive(Debug, Clone)]
pub(crate) struct WeakShared(std::sync::Weak<Inner>);

#[cfg(feature = "smtp")]
impl WeakShared {
    /// The double, if it is still there.
    pub(crate) fn upgrade(&self) -> Option<Shared> {
        self.0.upgrade().map(|inner| Shared { inner })
    }
}

/// Why a reload did not happen.
#[derive(Debug)]
pub(crate) enum ReloadError {
    Embedded,
    /// A session keeps the fixtures it started with.
    Session,
    Problems(Vec<Problem>),
}
