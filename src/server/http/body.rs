//! A request's body as hyper hands it over: read whole under `--max-body-bytes` and the body
//! clocks, or drained so the client can read its 413.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::server::activity::{BodyTimer, Late};

/// How much of a body over the limit is read and dropped so the client can read its 413.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a request body was not read.
pub(super) enum BodyError {
    /// Over `--max-body-bytes`.
    TooLarge,
    /// The client stopped sending before the body's end.
    Incomplete(String),
    /// The body stopped coming, or came too slowly.
    Late(Late),
}

/// Reads a body of at most `limit` bytes. A larger one is read on and dropped (up to
/// [`DRAIN_LIMIT`]) before the 413 goes out: closing a connection with unread data resets it,
/// and a client still writing its body would lose the answer. A client that sent
/// `Expect: 100-continue` has not sent the body yet, so it is not asked for. Every piece is
/// waited for at most as long as `timer` allows, the drain's too.
pub(super) async fn read_body(
    mut body: Incoming,
    limit: usize,
    declared: Option<u64>,
    expects_continue: bool,
    mut timer: BodyTimer,
) -> Result<Bytes, BodyError> {
    if declared.is_some_and(|n| n > limit as u64) {
        if !expects_continue && declared.is_some_and(|n| n <= DRAIN_LIMIT) {
            drain(body, timer).await;
        }
        return Err(BodyError::TooLarge);
    }
    // The body is kept by the journal as these very bytes, so their allocation is what the
    // journal holds: sized to the declared length at once (no doubling on the way, which
    // left up to twice the body allocated and its smaller steps freed into the heap).
    let mut collected = BytesMut::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(frame) = timer.next(body.frame()).await.map_err(BodyError::Late)? {
        let frame = frame.map_err(|error| BodyError::Incomplete(error.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                drain(body, timer).await;
                return Err(BodyError::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
    // A chunked body grew by doubling: copied once into an allocation of its own size.
    if collected.capacity() - collected.len() > collected.len() / 8 {
        return Ok(Bytes::copy_from_slice(&collected));
    }
    Ok(collected.freeze())
}

/// Reads and drops the rest of a body, at most [`DRAIN_LIMIT`] bytes, while it keeps coming.
async fn drain(mut body: Incoming, mut timer: BodyTimer) {
    let mut read = 0u64;
    while let Ok(Some(Ok(frame))) = timer.next(body.frame()).await {
        read += frame.data_ref().map_or(0, |data| data.len() as u64);
        if read > DRAIN_LIMIT {
            break;
        }
    }
}
