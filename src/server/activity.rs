//! What a connection is doing, for the time limits hyper alone cannot keep: a request's
//! headers must be complete within 10 s of its first byte (or of the connect), while an idle
//! keep-alive connection may wait 120 s for its next request; a body must keep coming
//! ([`BodyTimer`]); an answer must not wait for ever on a client that takes none of it.
//!
//! hyper's `header_read_timeout` runs from the moment a connection is idle, so it is set to
//! the idle limit (`idle_timeout`, 120 s by default); [`Watched`] notices the first byte of
//! each request and [`Activity::expired`] enforces the header limit from there. [`Watched`]
//! also notes when the client last sent anything (the connection cap closes the connection
//! that has gone longest without) and since when a write has waited for the client to take
//! bytes ([`Activity::write_stalled`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use crate::state::BodyTimeouts;

/// How long a request's headers may take from its first byte.
pub(super) const HEADER_LIMIT: Duration = Duration::from_secs(10);

const IDLE: u8 = 0;
const RECEIVING: u8 = 1;
const SERVING: u8 = 2;

/// One connection's state, shared by its IO wrapper, its requests and its watchdog.
#[derive(Debug)]
pub(super) struct Activity {
    state: AtomicU8,
    /// When the current request's first byte arrived (or the connection was accepted). A std
    /// mutex: held only to read or write an `Instant`, never across an `.await`.
    since: Mutex<Instant>,
    /// Wakes the watchdog when a request starts arriving.
    receiving: Notify,
    /// When the client last sent a byte, as [`Moment`]: read by the connection cap, written
    /// on every read, so an atomic rather than the mutex above.
    last_received: AtomicU64,
    /// Since when a write has waited for the client to take bytes, as [`Moment`]; 0 when
    /// none waits.
    write_blocked_since: AtomicU64,
    /// Wakes [`Activity::write_stalled`] when a write starts waiting.
    write_blocked: Notify,
}

impl Activity {
    /// A new connection counts as receiving: a client that connects and says nothing gets the
    /// header limit, not the idle one.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Activity {
            state: AtomicU8::new(RECEIVING),
            since: Mutex::new(Instant::now()),
            receiving: Notify::new(),
            last_received: AtomicU64::new(Moment::now().0),
            write_blocked_since: AtomicU64::new(0),
            write_blocked: Notify::new(),
        })
    }

    /// When the client last sent a byte (or connected).
    pub(super) fn last_received(&self) -> Moment {
        Moment(self.last_received.load(Ordering::Relaxed))
    }

    /// The headers are in: the request is being served (its body read, then answered).
    pub(super) fn serving(&self) {
        self.state.store(SERVING, Ordering::Release);
    }

    /// The answer went out: idle until the next request's first byte.
    pub(super) fn idle(&self) {
        self.state.store(IDLE, Ordering::Release);
    }

    fn bytes_arrived(&self) {
        self.last_received.store(Moment::now().0, Ordering::Relaxed);
        if self
            .state
            .compare_exchange(IDLE, RECEIVING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            *self.since.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
            self.receiving.notify_one();
        }
    }

    /// Resolves when a request's headers have taken longer than [`HEADER_LIMIT`].
    pub(super) async fn expired(&self) {
        loop {
            if self.state.load(Ordering::Acquire) != RECEIVING {
                self.receiving.notified().await;
                continue;
            }
            let since = *self.since.lock().unwrap_or_else(PoisonError::into_inner);
            let deadline = since + HEADER_LIMIT;
            if Instant::now() >= deadline {
                if self.state.load(Ordering::Acquire) == RECEIVING {
                    return;
                }
                continue;
            }
            tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
        }
    }

    /// A write made progress (`blocked` false) or has to wait for the client (`blocked`).
    fn wrote(&self, blocked: bool) {
        if !blocked {
            if self.write_blocked_since.load(Ordering::Relaxed) != 0 {
                self.write_blocked_since.store(0, Ordering::Release);
            }
        } else if self
            .write_blocked_since
            .compare_exchange(0, Moment::now().0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.write_blocked.notify_one();
        }
    }

    /// Resolves once a write has waited `limit` for a client that takes no byte: a reader
    /// that stopped reading (the kernel's buffers between us are full).
    pub(super) async fn write_stalled(&self, limit: Duration) {
        loop {
            let since = self.write_blocked_since.load(Ordering::Acquire);
            if since == 0 {
                self.write_blocked.notified().await;
                continue;
            }
            let deadline = Moment(since).instant() + limit;
            if Instant::now() >= deadline {
                return;
            }
            // Then look again: the write may have gone through meanwhile.
            tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
        }
    }
}

/// A point in time that fits an atomic: milliseconds since the first one taken, plus one (0
/// means "never" where a field needs it). Ordered as the instants are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Moment(u64);

/// The instant [`Moment`]s count from.
static EPOCH: OnceLock<Instant> = OnceLock::new();

impl Moment {
    fn now() -> Moment {
        let epoch = *EPOCH.get_or_init(Instant::now);
        Moment(u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1)
    }

    fn instant(self) -> Instant {
        let epoch = *EPOCH.get_or_init(Instant::now);
        epoch + Duration::from_millis(self.0.saturating_sub(1))
    }
}

/// The clock of one request body, started when its headers are in: each piece must come
/// within `between_bytes` of the last (or of the headers), and the whole within `whole` of
/// the headers. hyper asks an `Expect: 100-continue` client for its body (sends `100
/// Continue`) when the body is first polled, so such a client is timed from that moment too.
#[derive(Debug)]
pub(super) struct BodyTimer {
    limits: BodyTimeouts,
    started: Instant,
    last: Instant,
}

/// Which of a body's time limits passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Late {
    /// No byte for `between_bytes`.
    Stalled(Duration),
    /// Not whole within `whole` of the headers.
    Unfinished(Duration),
}

impl std::fmt::Display for Late {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Late::Stalled(limit) => write!(f, "no body byte came for {limit:?}"),
            Late::Unfinished(limit) => write!(
                f,
                "the whole body had not arrived {limit:?} after the headers"
            ),
        }
    }
}

impl BodyTimer {
    pub(super) fn start(limits: BodyTimeouts) -> BodyTimer {
        let now = Instant::now();
        BodyTimer {
            limits,
            started: now,
            last: now,
        }
    }

    /// `piece` (the next frame of the body), unless a limit passes first.
    pub(super) async fn next<F: Future>(&mut self, piece: F) -> Result<F::Output, Late> {
        let stalled_at = self.last + self.limits.between_bytes;
        let unfinished_at = self.started + self.limits.whole;
        let (deadline, late) = if stalled_at <= unfinished_at {
            (stalled_at, Late::Stalled(self.limits.between_bytes))
        } else {
            (unfinished_at, Late::Unfinished(self.limits.whole))
        };
        let piece = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), piece)
            .await
            .map_err(|_| late)?;
        self.last = Instant::now();
        Ok(piece)
    }
}

/// An IO stream that tells its [`Activity`] when bytes arrive.
pub(super) struct Watched<IO> {
    pub(super) inner: IO,
    pub(super) activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.wrote(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
