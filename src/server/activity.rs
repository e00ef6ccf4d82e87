//! What a connection is doing, for the two time limits IIS keeps and hyper alone cannot: a
//! request's headers must be complete within 10 s of its first byte (or of the connect), while
//! an idle keep-alive connection may wait 120 s for its next request.
//!
//! hyper's `header_read_timeout` runs from the moment a connection is idle, so it is set to
//! the idle limit (`idle_timeout`, 120 s by default); [`Watched`] notices the first byte of each request and [`Activity::expired`]
//! enforces the header limit from there.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

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
}

impl Activity {
    /// A new connection counts as receiving: a client that connects and says nothing gets the
    /// header limit, not the idle one.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Activity {
            state: AtomicU8::new(RECEIVING),
            since: Mutex::new(Instant::now()),
            receiving: Notify::new(),
        })
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
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
