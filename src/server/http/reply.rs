//! A plan turned into hyper's response: after its delay, whole bytes, a channel's chunks for
//! the event stream, or a connection fault handed to the connection's task.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper::Response;
use tokio::sync::mpsc;

use crate::vocab::stop::Stop;
use crate::vocab::wire::{NetworkFault, Plan, Reply, WireResponse};

/// Every answer's body: whole bytes, or a channel's chunks for the event stream.
pub(super) type Body = BoxBody<Bytes, Infallible>;

/// Waits out `plan`'s delay (no lock held), then answers; a connection fault goes to
/// `faults` instead, and this future never finishes.
pub(super) async fn deliver(
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
