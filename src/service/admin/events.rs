//! `GET /__admin/events`: every change as Server-Sent Events.
//!
//! Each stream is a task of its own that copies events from the state's event log into the
//! response body's channel: the events missed since `Last-Event-ID` first, then live ones, with
//! a comment line when the stream has been idle for [`KEEP_ALIVE`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::route::Call;
use crate::state::events::Event;
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Reply, Streamed, WireResponse};

/// How long a stream may be silent before a comment line is sent: proxies and browsers close
/// connections that look dead.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Chunks waiting for the client to read them. Small: a stream that is not read stops taking
/// events from the log; the server drops its connection once the reader has taken no byte
/// for 30 s (`server/http.rs`), which ends this stream's task.
const BUFFERED: usize = 16;
/// The event types a client can ask for with `?types=`.
const TYPES: [&str; 6] = [
    "email", "request", "mailbox", "scenario", "reset", "session",
];

pub(super) fn stream(call: &Call<'_>) -> Result<Reply, WireResponse> {
    let (shared, request, params, stop) =
        (call.shared, call.request, &call.query, call.stop.clone());
    let types = match params.text("types") {
        None => TYPES.to_vec(),
        Some(list) => {
            let mut types = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let Some(known) = TYPES.iter().find(|t| **t == name) else {
                    return Err(WireResponse::json_error(
                        400,
                        format!(
                            "parameter 'types': unknown event type '{name}' (known: {})",
                            TYPES.join(", ")
                        ),
                    ));
                };
                types.push(*known);
            }
            if types.is_empty() {
                // A stream that can never send anything is surely not what was meant.
                return Err(WireResponse::json_error(
                    400,
                    format!(
                        "parameter 'types' names no event type (known: {}); leave it out for all",
                        TYPES.join(", ")
                    ),
                ));
            }
            types
        }
    };
    let last_seen = match request.header("last-event-id").map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u64>().map_err(|_| {
            WireResponse::json_error(
                400,
                format!("Last-Event-ID must be an event id (a whole number), not '{text}'"),
            )
        })?),
    };
    let (missed, live) = shared.subscribe(last_seen);
    let (chunks_tx, chunks) = mpsc::channel(BUFFERED);
    tokio::spawn(pump(missed, live, types, chunks_tx, stop));
    let head = WireResponse::empty(200)
        .with_header("Content-Type", "text/event-stream")
        .with_header("Cache-Control", "no-cache")
        // Reverse proxies (nginx) would otherwise hold events back to fill a buffer.
        .with_header("X-Accel-Buffering", "no");
    Ok(Reply::Stream(Streamed { head, chunks }))
}

/// Copies events to the body until the client goes away, falls too far behind, or the server
/// stops. Dropping `chunks` ends the body.
async fn pump(
    missed: Vec<Arc<Event>>,
    mut live: tokio::sync::broadcast::Receiver<Arc<Event>>,
    types: Vec<&'static str>,
    chunks: mpsc::Sender<Bytes>,
    stop: Stop,
) {
    let stopped = stop.wait();
    tokio::pin!(stopped);
    // Sends one chunk unless the server stops first; false when the stream is over.
    macro_rules! send {
        ($bytes:expr) => {
            tokio::select! {
                sent = chunks.send($bytes) => sent.is_ok(),
                _ = &mut stopped => false,
            }
        };
    }
    // A first line at once, so a client sees the stream open before the first event.
    if !send!(Bytes::from_static(b": connected\n\n")) {
        return;
    }
    for event in missed.iter().filter(|e| types.contains(&e.kind)) {
        if !send!(event.frame()) {
            return;
        }
    }
    let mut idle = tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    loop {
        // Biased: a stopping server ends the stream even while events keep coming.
        let sent = tokio::select! {
            biased;
            _ = &mut stopped => return,
            received = live.recv() => match received {
                Ok(event) if types.contains(&event.kind) => {
                    idle.reset();
                    send!(event.frame())
                }
                Ok(_) => true,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "an event stream fell behind; dropped");
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            _ = idle.tick() => send!(Bytes::from_static(b": keep-alive\n\n")),
        };
        if !sent {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::admin::Params;
    use crate::state::{Doubles, Options, Shared};
    use crate::vocab::wire::WireRequest;

    fn open(shared: &Shared, stop: Stop) -> mpsc::Receiver<Bytes> {
        let request = WireRequest::new("GET", "/__admin/events", None, Vec::new(), Bytes::new());
        let doubles = Doubles::new(shared.clone(), Default::default());
        let call = Call::new(
            (&doubles, shared),
            &request,
            Vec::new(),
            Params::all(&request),
            stop,
        );
        match stream(&call) {
            Ok(Reply::Stream(streamed)) => streamed.chunks,
            other => panic!("not a stream: {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_stream_gets_a_keep_alive_comment_every_fifteen_seconds() {
        let shared = Options::default().shared_state().unwrap();
        let (_stop_tx, stop) = Stop::new();
        let mut chunks = open(&shared, stop);
        assert_eq!(chunks.recv().await.unwrap(), ": connected\n\n");

        let before = tokio::time::Instant::now();
        let chunk = chunks.recv().await.unwrap();

        assert_eq!(chunk, ": keep-alive\n\n");
        assert_eq!(before.elapsed(), KEEP_ALIVE);
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_dropped_instead_of_buffered_for() {
        // Arrange: a stream nobody reads while far more events than the log lets it lag by
        // are made.
        let shared = Options::default().shared_state().unwrap();
        let (_stop_tx, stop) = Stop::new();
        let mut chunks = open(&shared, stop);
        let made = 1500;
        for _ in 0..made {
            shared.with(|w| w.reset());
        }

        // Act: read what the stream still has.
        let mut events = 0;
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(chunk) = chunks.recv().await {
                events += usize::from(chunk.starts_with(b"id: "));
            }
        })
        .await;

        // Assert: it ended by itself, having sent at most what was buffered.
        assert!(ended.is_ok(), "the stream ended");
        assert!(events <= BUFFERED, "{events} events were sent");
    }
}
