//! The one module that touches hyper: the accept loops, TLS handshakes, HTTP/1.1 connections,
//! connection-level faults and graceful shutdown here; a request's body and its limits in
//! `http/body.rs`, the answer with its scripted delay in `http/reply.rs`.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
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

use self::body::{read_body, BodyError};
use self::reply::{deliver, Body};
use super::activity::{Activity, BodyTimer, Watched, HEADER_LIMIT};
use super::conns::{AcceptFailures, Conns, Slot};
use super::tls::{self, TlsAcceptor};
use crate::auth::ConnectionAuth;
use crate::service::router;
use crate::state::Doubles;
use crate::vocab::stop::Stop;
use crate::vocab::wire::{header_pairs, NetworkFault, WireRequest};

mod body;
mod reply;

/// How long requests in flight get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// A listening socket and, for an `https` one, the TLS acceptor its connections share.
pub(crate) struct Listener {
    pub(crate) socket: TcpListener,
    pub(crate) tls: Option<TlsAcceptor>,
}

/// An accepted connection on its way from a listener's accept loop to [`serve`], with its
/// place under the connection cap and the record of what it is doing.
struct Accepted {
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    slot: Slot,
    activity: Arc<Activity>,
}

/// Serves every listener until `shutdown` resolves, then drains. All of them share `doubles`.
pub(crate) async fn serve(
    listeners: Vec<Listener>,
    doubles: Doubles,
    shutdown: impl Future<Output = ()>,
) {
    let shared = doubles.root().clone();
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
    let conns = Conns::from_limit();
    let mut accepting = JoinSet::new();
    for listener in listeners {
        accepting.spawn(accept(listener, conns.clone(), accepted_tx.clone()));
    }
    drop(accepted_tx);
    accepting.spawn(end_idle_sessions(doubles.clone()));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            // `None` (every accept loop gone) cannot happen while they loop for ever; if it
            // did, this branch is disabled and shutdown is still awaited.
            Some(new) = accepted.recv() => {
                connection(new, &builder, &graceful, doubles.clone(), stop.clone());
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

/// Ends the sessions idle past `--session-idle-s`, checking four times a second, so one ends
/// within a second of its limit even when nobody asks for it. Runs until the server stops.
async fn end_idle_sessions(doubles: Doubles) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        doubles.end_idle();
    }
}

/// Accepts on `listener` for ever, handing each connection to [`serve`]'s loop once it has
/// a place under the cap (at the cap, the connection silent longest is closed for it).
async fn accept(listener: Listener, conns: Conns, accepted: mpsc::Sender<Accepted>) {
    let mut failures = AcceptFailures::default();
    loop {
        match listener.socket.accept().await {
            Ok((stream, peer)) => {
                failures.recovered();
                let activity = Activity::new();
                let slot = conns.admit(activity.clone()).await;
                let new = Accepted {
                    stream,
                    peer,
                    tls: listener.tls.clone(),
                    slot,
                    activity,
                };
                if accepted.send(new).await.is_err() {
                    return;
                }
            }
            // Out of file descriptors and the like: wait for one to be freed, never spin.
            Err(error) => failures.failed(&error, &conns).await,
        }
    }
}

/// Runs one connection in a task of its own: the TLS handshake first for an `https`
/// listener (here, never in the accept loop, so a slow or silent client holds up nobody).
fn connection(
    new: Accepted,
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    doubles: Doubles,
    stop: Stop,
) {
    // Taken now, before shutdown can start, so a connection still handshaking is waited for.
    let watcher = graceful.watcher();
    let builder = builder.clone();
    tokio::spawn(async move {
        let Accepted {
            stream,
            peer,
            tls,
            slot,
            activity,
        } = new;
        let mut on = Connection {
            builder,
            watcher,
            slot,
            activity,
            doubles,
            stop,
            certificate: None,
        };
        let Some(acceptor) = tls else {
            return drive(stream, "http", on).await;
        };
        on.certificate = Some(acceptor.leaf());
        // The handshake is bounded by its own timeout; a server stopping, or the cap needing
        // the room, ends it at once.
        let handshaken = tokio::select! {
            result = tls::handshake(&acceptor, stream) => result,
            _ = on.stop.clone().wait() => return,
            _ = on.slot.evicted() => return,
        };
        match handshaken {
            Ok(stream) => drive(stream, "https", on).await,
            // Garbage, plain HTTP, a CA the client does not trust, a hang-up: that connection
            // only; the listener goes on.
            Err(error) => {
                tracing::debug!(%error, %peer, "TLS handshake failed; connection dropped")
            }
        }
    });
}

/// What a connection's task holds besides its stream.
struct Connection {
    builder: http1::Builder,
    /// Held until the connection ends: the drain at shutdown waits for every watcher.
    watcher: Watcher,
    /// Dropped last (after the socket is closed), making room under the cap.
    slot: Slot,
    activity: Arc<Activity>,
    doubles: Doubles,
    stop: Stop,
    /// The leaf certificate (DER) an `https` connection is served with; `None` on plain HTTP.
    certificate: Option<Arc<[u8]>>,
}

/// The TCP socket under a connection's stream (plain or TLS), to reset, close or scribble on
/// when an outcome says so. The stream is taken back from hyper for that, so a connection
/// holds one descriptor, never a duplicate.
trait OnTcp {
    fn tcp(&self) -> &TcpStream;
}

impl OnTcp for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

#[cfg(feature = "tls")]
impl OnTcp for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Serves HTTP/1.1 on `io` (plain or TLS) until the client, a limit or a scripted fault
/// ends it.
async fn drive<IO>(io: IO, scheme: &'static str, on: Connection)
where
    IO: AsyncRead + AsyncWrite + OnTcp + Unpin + Send + 'static,
{
    // A request whose outcome is a connection fault hands it to this task here.
    let (fault_tx, mut fault_rx) = mpsc::unbounded_channel::<NetworkFault>();
    // This connection's NTLM handshake and the user it proved (it lives and dies
    // with the connection task, so a new connection must authenticate again).
    let auth = ConnectionAuth::default();
    let stall_limit = on.doubles.root().config().reader_stall_timeout;
    let serving = on.activity.clone();
    let stopping = on.stop.clone().wait();
    let service = service_fn(move |request| {
        let activity = serving.clone();
        let answered = respond(
            on.doubles.clone(),
            request,
            scheme,
            on.stop.clone(),
            fault_tx.clone(),
            On {
                auth: auth.clone(),
                certificate: on.certificate.clone(),
            },
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
        activity: on.activity.clone(),
    };
    let mut conn = on.builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(stopping);
    let mut stopped = false;
    // Until hyper finishes the connection, or something ends it: returning drops `conn`,
    // which closes the socket; breaking with a fault takes the socket back from hyper to
    // carry the fault out on it first.
    let fault = loop {
        tokio::select! {
            // The server is stopping: hyper finishes the request in flight and closes (as
            // `GracefulShutdown::watch` would do; done here so the stream can be taken back).
            _ = &mut stopping, if !stopped => {
                stopped = true;
                std::pin::Pin::new(&mut conn).graceful_shutdown();
            }
            result = &mut conn => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            _ = on.activity.expired() => {
                tracing::debug!("request headers not finished within {HEADER_LIMIT:?}; connection closed");
                return;
            }
            _ = on.slot.evicted() => {
                tracing::debug!("closed to make room for a new connection: this one was silent longest");
                return;
            }
            // A reader that took nothing while an answer (an event stream's events) waited
            // for it: reset, so the kernel lets go of the bytes it still holds for it too.
            _ = on.activity.write_stalled(stall_limit) => {
                tracing::debug!("the client took no byte for {stall_limit:?}; connection reset");
                break NetworkFault::Reset;
            }
            Some(fault) = fault_rx.recv() => break fault,
        }
    };
    let stream = conn.into_parts().io.into_inner().inner;
    carry_out(&socket2::SockRef::from(stream.tcp()), fault);
    drop(stream);
    drop(on.watcher);
}

/// Carries `fault` out on `raw`; the socket is closed when its stream is dropped afterwards.
fn carry_out(raw: &socket2::SockRef<'_>, fault: NetworkFault) {
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

/// What a request knows of the connection it came on.
struct On {
    /// The connection's NTLM handshake and the user it proved.
    auth: ConnectionAuth,
    /// The leaf certificate (DER) an `https` connection is served with.
    certificate: Option<Arc<[u8]>>,
}

async fn respond(
    doubles: Doubles,
    request: Request<Incoming>,
    scheme: &'static str,
    stop: Stop,
    faults: mpsc::UnboundedSender<NetworkFault>,
    on: On,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let shared = doubles.root();
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
    // Started now, with the headers in: a body that stops coming gets 408, not held for ever.
    let timer = BodyTimer::start(shared.config().body_timeouts);
    let body = read_body(body, limit, declared, expects_continue, timer).await;
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
    .served_with(on.certificate);
    // One line per request only at debug: the default level logs start-up, shutdown and warnings.
    tracing::debug!(method = %wire.method, path = %wire.path, "received");
    let (plan, stop) = match router::locate(&doubles, wire, stop.clone(), &on.auth) {
        Err(unknown_session) => (unknown_session, stop),
        Ok(target) => {
            let (shared, wire) = (&target.shared, &target.request);
            let plan = match failure {
                None => router::route(&doubles, &target).await,
                Some(BodyError::TooLarge) => router::too_large(shared, wire),
                Some(BodyError::Incomplete(error)) => router::incomplete(shared, wire, &error),
                Some(BodyError::Late(late)) => router::body_late(shared, wire, &late.to_string()),
            };
            // A scripted hang or delay under a session ends when the session does.
            (plan, target.stop)
        }
    };
    deliver(plan, stop, faults).await
}
