//! The connection cap: open connections stay below the process's file-descriptor limit, so
//! a flood of connections (idle, stalled mid-body, or event streams nobody reads) can never
//! leave the server unable to accept, open a fixture file or reload.
//!
//! Each connection holds one descriptor (its socket) and a [`Slot`] here. When a new one is
//! accepted at the cap, the connection that has gone longest without sending a byte is told
//! to close ([`Slot::evicted`]) and the newcomer waits for its descriptor to be freed. An
//! accept that fails anyway (`EMFILE`, or the system's table full) waits for a connection to
//! close or a growing pause, and is logged at most once a minute ([`AcceptFailures`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::activity::Activity;

/// Descriptors left outside the cap: 64 for files (fixtures, certificates, the reload) and
/// the event streams' peers, 32 for the process's own (standard streams, the runtime's
/// poller and wakers, listeners, the log writer, the fixtures watcher).
const RESERVED: u64 = 96;
/// Used when the limit cannot be read (not a Unix system).
const UNKNOWN_LIMIT: u64 = 1024;
/// How rarely failed accepts are logged.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// The longest pause after a failed accept when no connection closes meanwhile.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The set of open connections and their cap; cheap to clone (one per listener's accept
/// loop).
#[derive(Debug, Clone)]
pub(super) struct Conns {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cap: usize,
    /// A std mutex: held for a map insert or removal, or a scan to find the connection to
    /// close at the cap (at most `cap` entries, and only at the cap); never across an
    /// `.await`.
    open: Mutex<Open>,
    /// Wakes an accept loop waiting for room (or for a descriptor after `EMFILE`) when a
    /// connection closes.
    released: Notify,
}

#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    entries: HashMap<u64, Entry>,
    /// How many entries have been told to close and have not yet.
    closing: usize,
}

#[derive(Debug)]
struct Entry {
    activity: Arc<Activity>,
    evict: Arc<Notify>,
    evicted: bool,
}

impl Conns {
    /// The cap derived from this process's `RLIMIT_NOFILE`.
    pub(super) fn from_limit() -> Conns {
        Conns::with_cap(cap_for(descriptor_limit()))
    }

    fn with_cap(cap: usize) -> Conns {
        Conns {
            inner: Arc::new(Inner {
                cap,
                open: Mutex::new(Open::default()),
                released: Notify::new(),
            }),
        }
    }

    /// Registers a connection just accepted. At the cap, the open connection that has gone
    /// longest without sending a byte is told to close, and this waits until it has.
    pub(super) async fn admit(&self, activity: Arc<Activity>) -> Slot {
        loop {
            // Registered before looking, so a release between the look and the wait is seen.
            let released = self.inner.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut open = self.inner.lock();
                if open.entries.len() < self.inner.cap {
                    return self.register(&mut open, activity);
                }
                if open.entries.len() - open.closing >= self.inner.cap {
                    open.evict_longest_silent();
                }
            }
            released.await;
        }
    }

    fn register(&self, open: &mut Open, activity: Arc<Activity>) -> Slot {
        let id = open.next_id;
        open.next_id += 1;
        let evict = Arc::new(Notify::new());
        open.entries.insert(
            id,
            Entry {
                activity,
                evict: evict.clone(),
                evicted: false,
            },
        );
        Slot {
            conns: self.inner.clone(),
            id,
            evict,
        }
    }

    /// Resolves when a connection closes.
    async fn released(&self) {
        self.inner.released.notified().await;
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Open {
    fn evict_longest_silent(&mut self) {
        let chosen = self
            .entries
            .values_mut()
            .filter(|entry| !entry.evicted)
            .min_by_key(|entry| entry.activity.last_received());
        if let Some(entry) = chosen {
            entry.evicted = true;
            // A stored permit: the connection sees it even if it is not waiting yet.
            entry.evict.notify_one();
            self.closing += 1;
        }
    }
}

/// One open connection's place under the cap; dropping it (when the connection's task ends,
/// after its socket is closed) makes room.
#[derive(Debug)]
pub(super) struct Slot {
    conns: Arc<Inner>,
    id: u64,
    evict: Arc<Notify>,
}

impl Slot {
    /// Resolves when this connection must close to make room for a new one.
    pub(super) async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.conns.lock();
        if let Some(entry) = open.entries.remove(&self.id) {
            if entry.evicted {
                open.closing -= 1;
            }
        }
        drop(open);
        self.conns.released.notify_waiters();
    }
}

/// What an accept loop remembers of its failures: how long to pause next, and when it last
/// said so.
#[derive(Debug)]
pub(super) struct AcceptFailures {
    pause: Duration,
    last_warned: Option<Instant>,
    unreported: u64,
}

impl Default for AcceptFailures {
    fn default() -> Self {
        AcceptFailures {
            pause: Duration::from_millis(10),
            last_warned: None,
            unreported: 0,
        }
    }
}

impl AcceptFailures {
    /// An accept succeeded: the next failure starts with a short pause again.
    pub(super) fn recovered(&mut self) {
        self.pause = Duration::from_millis(10);
    }

    /// Logs `error` (at most once a minute, with how many went unlogged), then waits for a
    /// connection to close or the pause, whichever comes first; each failure in a row
    /// doubles the pause, up to a second. Never a busy loop, and a freed descriptor is used
    /// at once.
    pub(super) async fn failed(&mut self, error: &std::io::Error, conns: &Conns) {
        self.unreported += 1;
        if self.last_warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                %error,
                failures = self.unreported,
                "accepting a connection failed; waiting for one to close (logged at most once a minute)"
            );
            self.last_warned = Some(Instant::now());
            self.unreported = 0;
        }
        tokio::select! {
            _ = conns.released() => {}
            _ = tokio::time::sleep(self.pause) => {}
        }
        self.pause = (self.pause * 2).min(MAX_PAUSE);
    }
}

/// The most connections open at once under a descriptor limit of `limit`: all but
/// [`RESERVED`], or a quarter of a limit too small to leave that many.
fn cap_for(limit: u64) -> usize {
    let cap = limit.saturating_sub(RESERVED).max(limit / 4).max(1);
    usize::try_from(cap).unwrap_or(usize::MAX)
}

/// This process's soft `RLIMIT_NOFILE`: the most descriptors it may hold at once.
#[cfg(unix)]
fn descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which lives for the call.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if read != 0 {
        return UNKNOWN_LIMIT;
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return u64::MAX;
    }
    #[allow(
        clippy::useless_conversion,
        reason = "rlim_t is u64 here, narrower on some 32-bit systems"
    )]
    u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX)
}

#[cfg(not(unix))]
fn descriptor_limit() -> u64 {
    UNKNOWN_LIMIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_ninety_six_descriptors_or_takes_a_quarter_of_a_small_limit() {
        assert_eq!(cap_for(1024), 928);
        assert_eq!(cap_for(256), 160);
        assert_eq!(cap_for(64), 16);
        assert_eq!(cap_for(0), 1);
    }

    #[tokio::test]
    async fn at_the_cap_the_connection_silent_longest_is_told_to_close_and_the_newcomer_waits() {
        // Arrange: a cap of two, both taken; the first has been silent longer.
        let conns = Conns::with_cap(2);
        let first = conns.admit(Activity::new()).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        let second = conns.admit(Activity::new()).await;

        // Act: a third arrives.
        let third = tokio::spawn({
            let conns = conns.clone();
            async move { conns.admit(Activity::new()).await }
        });
        first.evicted().await;

        // Assert: the first was chosen; the third gets in once it has gone.
        drop(first);
        let third = third.await.unwrap();
        assert_eq!(conns.inner.lock().entries.len(), 2);
        drop((second, third));
        assert!(conns.inner.lock().entries.is_empty());
    }
}
