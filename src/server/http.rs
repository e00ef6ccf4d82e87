//! The one file that touches hyper: the accept loops, TLS handshakes, HTTP/1.1 connections, body limits,
//! scripted delays and connection-level faults, and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use rand::Rng;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::activity::{Activity, Watched, HEADER_LIMIT};
use super::tls;
use crate::auth::ConnectionAuth;
use crate::service::router;
use crate::state::Shared;
use crate::vocab::stop::Stop;
use crate::vocab::wire::NetworkFault;
use crate::vocab::wire::{header_pairs, Plan, Reply, WireRequest, WireResponse};

/// How much of a body over the limit is read and dropped so the client can read its 413.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
/// How long requests in flight get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// A listening socket and, for an `https` one, the TLS acceptor its connections share.
pub(crate) struct Listener {
    pub(crate) socket: TcpListener,
    pub(crate) tls: Option<TlsAcceptor>,
}

/// Every answer's body: whole bytes, or a channel's chunks for the event stream.
type Body = BoxBody<Bytes, Infallible>;

/// An accepted connection on its way from a listener's accept loop to [`serve`].
type Accepted = (TcpStream, SocketAddr, Option<TlsAcceptor>);

/// Serves every listener until `shutdown` resolves, then drains. All of them share `shared`.
pub(crate) async fn serve(
    listeners: Vec<Listener>,
    shared: Shared,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop) = Stop::new();
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Runs from the moment a connection is idle (hyper 1.12), so it is the idle limit;
        // `activity` keeps the 10 s limit on a request's headers.
        .header_read_timeout(shared.config().idle_timeout);
    // One accept loop per listener, each in a task of its own, handing sockets to the loop
    // below: so one place owns `graceful` (watching a connection needs it) and one `select!`
    // decides between a new connection and shutdown. Bounded at 1: a listener waits for this
    // loop rather than piling sockets up.
    let (accepted_tx, mut accepted) = mpsc::channel::<Accepted>(1);
    let mut accepting = JoinSet::new();
    for listener in listeners {
        accepting.spawn(accept(listener, accepted_tx.clone()));
    }
    drop(accepted_tx);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            // `None` (every accept loop gone) cannot happen while they loop for ever; if it
            // did, this branch is disabled and shutdown is still awaited.
            Some((stream, peer, tls)) = accepted.recv() => {
                connection(stream, peer, tls, &builder, &graceful, shared.clone(), stop.clone());
            }
            _ = &mut shutdown => break,
        }
    }
    // Stop accepting: the accept tasks end and drop their sockets before draining starts.
    accepting.shutdown().await;
    drop(accepted);
    // Hanging requests, long-polls and handshakes in progress end now; the rest get the drain.
    stop_tx.send_replace(true);
    tokio::select! {
        _ = graceful.shutdown() => tracing::debug!("all connections closed"),
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("requests still in flight after {DRAIN:?}; stopping anyway"),
    }
}

/// Accepts on `listener` for ever, handing each connection to [`serve`]'s loop.
async fn accept(listener: Listener, accepted: mpsc::Sender<Accepted>) {
    loop {
        match listener.socket.accept().await {
            Ok((stream, peer)) => {
                if accepted
                    .send((stream, peer, listener.tls.clone()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Runs one connection in a task of its own: the TLS handshake first for an `https`
/// listener (here, never in the accept loop, so a slow or silent client holds up nobody).
fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    shared: Shared,
    stop: Stop,
) {
    // A second handle on the socket, to reset, close or scribble on it when an outcome says so,
    // after hyper's connection (which owns the stream) has been dropped. Under TLS it is the
    // raw socket below the TLS stream.
    let raw = socket2::SockRef::from(&stream).try_clone().ok();
    // Taken now, before shutdown can start, so a connection still handshaking is waited for.
    let watcher = graceful.watcher();
    let builder = builder.clone();
    tokio::spawn(async move {
        let Some(acceptor) = tls else {
            return drive(stream, "http", &builder, watcher, raw, shared, stop).await;
        };
        // The handshake is bounded by its own timeout; a server stopping ends it at once.
        let handshaken = tokio::select! {
            result = tls::handshake(&acceptor, stream) => result,
            _ = stop.clone().wait() => return,
        };
        match handshaken {
            Ok(stream) => drive(stream, "https", &builder, watcher, raw, shared, stop).await,
            // Garbage, plain HTTP, a CA the client does not trust, a hang-up: that connection
            // only; the listener goes on.
            Err(error) => {
                tracing::debug!(%error, %peer, "TLS handshake failed; connection dropped")
            }
        }
    });
}

/// Serves HTTP/1.1 on `io` (plain or TLS) until the client or a scripted fault ends it.
async fn drive<IO>(
    io: IO,
    scheme: &'static str,
    builder: &http1::Builder,
    watcher: Watcher,
    raw: Option<socket2::Socket>,
    shared: Shared,
    stop: Stop,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A request whose outcome is a connection fault hands it to this task here.
    let (fault_tx, mut fault_rx) = mpsc::unbounded_channel::<NetworkFault>();
    // This connection's NTLM handshake and the user it proved (it lives and dies
    // with the connection task, so a new connection must authenticate again).
    let auth = ConnectionAuth::default();
    let activity = Activity::new();
    let serving = activity.clone();
    let service = service_fn(move |request| {
        let activity = serving.clone();
        let answered = respond(
            shared.clone(),
            request,
            scheme,
            stop.clone(),
            fault_tx.clone(),
            auth.clone(),
        );
        async move {
            activity.serving();
            let response = answered.await;
            activity.idle();
            response
        }
    });
    let io = Watched {
        inner: io,
        activity: activity.clone(),
    };
    let conn = watcher.watch(builder.serve_connection(TokioIo::new(io), service));
    // Either hyper finishes the connection, or a fault ends it: then `conn` is dropped
    // (closing hyper's handle) and the fault is carried out on `raw`; or a request's headers
    // take longer than 10 s, and dropping `conn` closes the connection.
    tokio::select! {
        _ = activity.expired() => tracing::debug!("request headers not finished within {HEADER_LIMIT:?}; connection closed"),
        result = conn => if let Err(error) = result {
            tracing::debug!(%error, "connection ended with an error");
        },
        Some(fault) = fault_rx.recv() => if let Some(raw) = raw {
            carry_out(raw, fault);
        },
    }
}

fn carry_out(raw: socket2::Socket, fault: NetworkFault) {
    let result = match fault {
        // Linger 0 makes the close send RST instead of FIN.
        NetworkFault::Reset => raw.set_linger(Some(Duration::ZERO)),
        NetworkFault::Close | NetworkFault::Hang => raw.shutdown(Shutdown::Both),
        NetworkFault::Garbage => {
            let mut rng = rand::rng();
            // Bytes that cannot start an HTTP response: '\0' first, then random.
            let garbage: Vec<u8> = std::iter::once(0)
                .chain((0..rng.random_range(32..256)).map(|_| rng.random()))
                .collect();
            raw.send(&garbage)
                .and_then(|_| raw.shutdown(Shutdown::Write))
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, ?fault, "connection fault could not be carried out fully");
    }
}

async fn respond(
    shared: Shared,
    request: Request<Incoming>,
    scheme: &'static str,
    stop: Stop,
    faults: mpsc::UnboundedSender<NetworkFault>,
    auth: ConnectionAuth,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let headers = header_pairs(&parts.headers);
    let limit = shared.config().max_body_bytes;
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let expects_continue = parts
        .headers
        .get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let body = read_body(body, limit, declared, expects_continue).await;
    let (body, failure) = match body {
        Ok(body) => (body, None),
        Err(failure) => (Bytes::new(), Some(failure)),
    };
    let wire = WireRequest::new(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        headers,
        body,
    )
    .over(scheme)
    .received(shared.now());
    let plan = match failure {
        None => router::route(&shared, &wire, stop.clone(), &auth).await,
        Some(BodyError::TooLarge) => router::too_large(&shared, &wire),
        Some(BodyError::Incomplete(error)) => router::incomplete(&shared, &wire, &error),
    };
    // One line per request only at debug: the default level logs start-up, shutdown and warnings.
    tracing::debug!(method = %wire.method, path = %wire.path, "answered");
    deliver(plan, stop, faults).await
}

/// Why a request body was not read.
enum BodyError {
    /// Over `--max-body-bytes`.
    TooLarge,
    /// The client stopped sending before the body's end.
    Incomplete(String),
}

/// Reads a body of at most `limit` bytes. A larger one is read on and dropped (up to
/// [`DRAIN_LIMIT`]) before the 413 goes out: closing a connection with unread data resets it,
/// and a client still writing its body would lose the answer. A client that sent
/// `Expect: 100-continue` has not sent the body yet, so it is not asked for.
async fn read_body(
    mut body: Incoming,
    limit: usize,
    declared: Option<u64>,
    expects_continue: bool,
) -> Result<Bytes, BodyError> {
    if declared.is_some_and(|n| n > limit as u64) {
        if !expects_continue && declared.is_some_and(|n| n <= DRAIN_LIMIT) {
            drain(body).await;
        }
        return Err(BodyError::TooLarge);
    }
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| BodyError::Incomplete(error.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                drain(body).await;
                return Err(BodyError::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(collected.freeze())
}

/// Reads and drops the rest of a body, at most [`DRAIN_LIMIT`] bytes.
async fn drain(mut body: Incoming) {
    let mut read = 0u64;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, |data| data.len() as u64);
        if read > DRAIN_LIMIT {
            break;
        }
    }
}

async fn deliver(
    plan: Plan,
    stop: Stop,
    faults: mpsc::UnboundedSender<NetworkFault>,
) -> Result<Response<Body>, Infallible> {
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.reply {
        Reply::Http(wire) => {
            let body = Full::new(wire.body.clone()).boxed();
            Ok(response(wire, body))
        }
        // The writer (the event stream's task) ends the body by dropping its sender, at the
        // latest when the server stops, so a stream never holds up the drain.
        Reply::Stream(streamed) => Ok(response(
            streamed.head,
            ChannelBody(streamed.chunks).boxed(),
        )),
        Reply::Network(fault) => {
            if fault == NetworkFault::Hang {
                stop.wait().await;
            }
            // The connection task drops this connection on receipt, so this future is never
            // polled again.
            let _ = faults.send(fault);
            std::future::pending().await
        }
    }
}

/// `wire`'s status and headers with `body`.
fn response(wire: WireResponse, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(wire.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in wire.headers {
        match (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => tracing::warn!(%name, "skipped a header that is not valid HTTP"),
        }
    }
    response
}

/// A body fed by a channel, one data frame per chunk; it ends when the sender is dropped.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}
