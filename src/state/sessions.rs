//! The registry of doubles a server serves: the root, and the sessions created under
//! `/__admin/sessions`, each a whole [`Shared`] of its own (world, journal, mail, events, clock,
//! lock). Requests in different sessions share no lock: the registry's map is read (a read
//! lock, held to clone an `Arc`) to find a session, and written only when one is created or
//! ends; noting that a session was used takes that session's own small lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;

use super::events::Change;
use super::{Config, Shared};
use crate::error::Problem;
use crate::vocab::paths::{ADMIN_PREFIX, SERVICE_PATH_2010, SESSIONS_PREFIX};
use crate::vocab::stop::Stop;
use crate::vocab::time::Timestamp;

/// The bounds on sessions (`--max-sessions`, `--session-idle-s`, `--session-max-journal-bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionLimits {
    /// The most sessions alive at once; one more is refused.
    pub(crate) max: usize,
    /// A session with no request under its prefix for this long ends by itself.
    pub(crate) idle: Duration,
    /// The most bytes of bodies, headers, paths and reasons a session's journal holds.
    pub(crate) max_journal_bytes: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max: 100,
            idle: Duration::from_secs(1800),
            max_journal_bytes: 4 * 1024 * 1024,
        }
    }
}

/// What a new session is asked to be (`POST /__admin/sessions`, `UmMockServer::session_with`).
#[derive(Debug, Default)]
pub(crate) struct NewSession {
    pub(crate) name: Option<String>,
    /// The PIN generator's seed; the server's `--seed` when not given.
    pub(crate) seed: Option<u64>,
    pub(crate) fixtures: StartFrom,
}

/// The fixtures a session starts from, checked as `validate` checks them when its own.
#[derive(Debug, Default)]
pub(crate) enum StartFrom {
    /// The server's fixtures as loaded.
    #[default]
    Server,
    /// A `mock.json` of its own (its text); a `fixture` outcome in it names a response file of
    /// the server's fixtures.
    MockJson(Vec<u8>),
    /// A whole set of its own.
    Set(crate::fixtures::FixtureSet),
}

/// Why a session was not created.
#[derive(Debug)]
pub(crate) enum SessionRefusal {
    /// `--max-sessions` are alive already (the number).
    Full(usize),
    /// The inline fixtures have these problems.
    Problems(Vec<Problem>),
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Deleted,
    Idle,
}

impl Ended {
    /// The word of a `session` event's `reason`.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Ended::Deleted => "deleted",
            Ended::Idle => "idle",
        }
    }
}

/// A session as listed (`GET /__admin/sessions`) and in `session` events.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct SessionEntry {
    /// The session's id: its prefix is `/sessions/ID`.
    pub(crate) id: String,
    /// The name it was created with, if any.
    pub(crate) name: Option<String>,
    /// `SCHEME://HOST:PORT/sessions/ID`, as the request reached the server.
    pub(crate) base_url: String,
    /// `base_url` + `/EWS/UM2007Legacy.asmx`: the URL to give the client app under test.
    pub(crate) service_url: String,
    /// `base_url` + `/__admin`: the session's own admin API.
    pub(crate) admin_url: String,
    /// When it was created (RFC 3339, the server's time).
    pub(crate) created_at: String,
    /// When a request last came under its prefix (RFC 3339).
    pub(crate) last_used_at: String,
    /// How many emails it holds.
    pub(crate) emails: usize,
    /// How many journal entries it holds.
    pub(crate) requests: usize,
}

/// One session: its double and what the registry knows of it.
#[derive(Debug)]
pub(crate) struct Session {
    id: Arc<str>,
    /// `/sessions/ID`, made once: every request under it is given it.
    prefix: Arc<str>,
    name: Option<String>,
    created_at: Timestamp,
    /// The order of creation, to list sessions oldest first.
    number: u64,
    double: Shared,
    /// `scheme://host` of the request that created it: the base of its URLs in events, which
    /// no request carries.
    origin: String,
    /// When a request last came under its prefix: the instant for idle expiry, the time to show.
    used: Mutex<(Instant, Timestamp)>,
    /// Fired (dropped) when the session ends: its long-polls and event streams end on it.
    ended: watch::Sender<bool>,
}

impl Session {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// The double this session is.
    pub(crate) fn double(&self) -> &Shared {
        &self.double
    }

    /// `/sessions/ID`, the path every URL of the session starts with.
    pub(crate) fn prefix(&self) -> &Arc<str> {
        &self.prefix
    }

    /// A signal that fires when the session ends.
    pub(crate) fn ended(&self) -> Stop {
        Stop::from_sender(&self.ended)
    }

    fn last_used(&self) -> (Instant, Timestamp) {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn touch(&self) {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner) =
            (Instant::now(), Timestamp::now());
    }

    /// Its list entry, its URLs starting with `origin` (`scheme://host`; the one it was
    /// created through when `None`).
    pub(crate) fn entry(&self, origin: Option<&str>) -> SessionEntry {
        let base_url = format!("{}{}", origin.unwrap_or(&self.origin), self.prefix());
        let (emails, requests) = self.double.with(|world| world.held());
        SessionEntry {
            id: self.id.to_string(),
            name: self.name.clone(),
            service_url: format!("{base_url}{SERVICE_PATH_2010}"),
            admin_url: format!("{base_url}{ADMIN_PREFIX}"),
            base_url,
            created_at: self.created_at.rfc3339(),
            last_used_at: self.last_used().1.rfc3339(),
            emails,
            requests,
        }
    }
}

/// The root double and the sessions: a cheap handle, shared by every connection.
#[derive(Debug, Clone)]
pub(crate) struct Doubles {
    inner: Arc<Registry>,
}

#[derive(Debug)]
struct Registry {
    root: Shared,
    limits: SessionLimits,
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    /// Counts sessions created, for their order.
    created: std::sync::atomic::AtomicU64,
}

impl Doubles {
    pub(crate) fn new(root: Shared, limits: SessionLimits) -> Self {
        Doubles {
            inner: Arc::new(Registry {
                root,
                limits,
                sessions: RwLock::new(HashMap::new()),
                created: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The root double: what `/` and `/__admin` serve.
    pub(crate) fn root(&self) -> &Shared {
        &self.inner.root
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Arc<str>, Arc<Session>>> {
        self.inner
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Arc<str>, Arc<Session>>> {
        self.inner
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `session` has gone `--session-idle-s` without a request.
    fn is_idle(&self, session: &Session) -> bool {
        session.last_used().0.elapsed() >= self.inner.limits.idle
    }

    /// The live session `id`, without noting a use (`None` if it ended or is idle past the
    /// limit, which ends it now).
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self.read().get(id).cloned()?;
        if self.is_idle(&session) {
            self.end_if_idle(id);
            return None;
        }
        Some(session)
    }

    /// The live session `id` a request came under: a use, which keeps it from idling out.
    /// Noted under the registry's read lock, so idle expiry (under its write lock) either
    /// ends the session before this finds it, or sees the use and leaves it.
    pub(crate) fn used(&self, id: &str) -> Option<Arc<Session>> {
        {
            let sessions = self.read();
            let session = sessions.get(id)?;
            if !self.is_idle(session) {
                session.touch();
                return Some(Arc::clone(session));
            }
        }
        self.end_if_idle(id);
        None
    }

    /// Every live session, oldest first.
    pub(crate) fn list(&self) -> Vec<Arc<Session>> {
        self.end_idle();
        let mut sessions: Vec<Arc<Session>> = self.read().values().cloned().collect();
        sessions.sort_by_key(|s| s.number);
        sessions
    }

    /// Creates a session: its double from the server's fixtures as loaded, or from its own;
    /// the root's event stream gets its `session` event. `origin` is `scheme://host` of the
    /// request that asked.
    pub(crate) fn create(
        &self,
        ask: NewSession,
        origin: &str,
    ) -> Result<Arc<Session>, SessionRefusal> {
        let root = self.root();
        let own = |set: crate::fixtures::FixtureSet| {
            let fixtures = crate::fixtures::load(&set).map_err(SessionRefusal::Problems)?;
            Ok((Arc::new(fixtures), Arc::new(set)))
        };
        let (fixtures, source) = match ask.fixtures {
            StartFrom::Server => {
                let loaded = root.loaded();
                (loaded.fixtures, loaded.source)
            }
            StartFrom::MockJson(json) => own(root.source().with_mock_json_bytes(json))?,
            StartFrom::Set(set) => own(set)?,
        };
        let config = Config {
            seed: ask.seed.or(root.config().seed),
            max_journal_bytes: self.inner.limits.max_journal_bytes,
            ..root.config().clone()
        };
        let double = Shared::on(fixtures, source, config, true);
        if let Some(pem) = root.ca_pem() {
            let _ = double.inner.ca_pem.set(pem.to_owned());
        }
        // With --smtp-relay, a session's emails go out through the server's worker too.
        #[cfg(feature = "smtp")]
        if let Some(jobs) = root.with(|world| world.relay_jobs()) {
            double.relay_into(jobs);
        }
        let now = (Instant::now(), Timestamp::now());
        let id = new_id();
        let session = Arc::new(Session {
            prefix: format!("{SESSIONS_PREFIX}/{id}").into(),
            id: id.into(),
            name: ask.name,
            created_at: now.1,
            number: self
                .inner
                .created
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            double,
            origin: origin.to_owned(),
            used: Mutex::new(now),
            ended: watch::Sender::new(false),
        });
        self.end_idle();
        let mut sessions = self.write();
        if sessions.len() >= self.inner.limits.max {
            return Err(SessionRefusal::Full(self.inner.limits.max));
        }
        sessions.insert(Arc::clone(&session.id), Arc::clone(&session));
        // Under the write lock, as every end is: a session's events come created, then ended.
        self.announce(&session, None);
        Ok(session)
    }

    /// Ends session `id` (deleted); `false` if there was none.
    pub(crate) fn end(&self, id: &str) -> bool {
        let mut sessions = self.write();
        let Some(session) = sessions.remove(id) else {
            return false;
        };
        self.ended(&session, Ended::Deleted);
        true
    }

    /// Ends every session, oldest first.
    pub(crate) fn end_all(&self) {
        let mut sessions = self.write();
        let mut ended: Vec<Arc<Session>> = sessions.drain().map(|(_, s)| s).collect();
        ended.sort_by_key(|s| s.number);
        for session in ended {
            self.ended(&session, Ended::Deleted);
        }
    }

    /// Ends session `id` if it is still idle when the write lock is held: a request that
    /// noted a use since it was found idle keeps it.
    fn end_if_idle(&self, id: &str) {
        let mut sessions = self.write();
        if sessions.get(id).is_some_and(|s| self.is_idle(s)) {
            if let Some(session) = sessions.remove(id) {
                self.ended(&session, Ended::Idle);
            }
        }
    }

    /// Ends the sessions idle for `--session-idle-s`.
    pub(crate) fn end_idle(&self) {
        let idle: Vec<Arc<str>> = self
            .read()
            .values()
            .filter(|s| self.is_idle(s))
            .map(|s| Arc::clone(&s.id))
            .collect();
        for id in idle {
            self.end_if_idle(&id);
        }
    }

    /// What ending `session`, out of the registry now, does (under the registry's write lock,
    /// so the root's `session` events keep the order of creations and ends): its long-polls
    /// and event streams end, and the root's event stream hears why.
    fn ended(&self, session: &Session, why: Ended) {
        session.ended.send_replace(true);
        self.announce(session, Some(why));
    }

    /// The root's `session` event for `session`: its list entry when created; when it ended,
    /// with `"ended": true` and why.
    fn announce(&self, session: &Session, ended: Option<Ended>) {
        let mut data = serde_json::json!(session.entry(None));
        if let (Some(map), Some(ended)) = (data.as_object_mut(), ended) {
            map.insert("ended".into(), true.into());
            map.insert("reason".into(), ended.reason().into());
        }
        self.root().with(|world| world.note(Change::Session(data)));
    }
}

/// A fresh session id: 96 random bits from the thread's cryptographically secure generator,
/// as 24 lowercase hex digits (URL-safe).
fn new_id() -> String {
    let bits: [u8; 12] = rand::random();
    bits.iter().map(|b| format!("{b:02x}")).collect()
}
