//! The relay's worker and one delivery: tries, back-off, give-up, each change reported
//! through the world lock.

use std::future::Future;
use std::sync::Arc;

use lettre::address::Envelope;
use lettre::{Address, AsyncTransport};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Relay, Schedule, Worker};
use crate::domain::mail::relay::{RelayState, RelayStatus};
use crate::domain::mail::Captured;
use crate::state::relay::Job;
use crate::state::WeakShared;

/// Tries in all, the first included.
const TRIES: u32 = 4;

/// SMTP connections open at once: a burst of resets must not open hundreds to someone's mail
/// server, and a try that waits for one still has to start within the window.
const CONNECTIONS: usize = 4;

/// Takes jobs from the world until `stop`: each email gets its own delivery task (bounded in
/// number by the world's pending bound, in connections by [`CONNECTIONS`]), and the lock is
/// taken when a delayed email falls due, so it is captured and delivered on time even if
/// nobody reads the emails.
pub(super) async fn work(worker: Worker, stop: impl Future<Output = ()>) {
    let Worker { relay, mut jobs } = worker;
    let connections = Arc::new(Semaphore::new(CONNECTIONS));
    // Dropped at the end, which aborts the deliveries still running: a stopped server
    // delivers nothing more.
    let mut deliveries = JoinSet::new();
    tokio::pin!(stop);
    loop {
        // Waits for a job, a delivery finishing (only to reap it), or the stop. A delayed email
        // comes as a job when it is captured: `Shared::with` keeps a timer for the earliest.
        tokio::select! {
            job = jobs.recv() => match job {
                Some(Job::Deliver(email, captured, owner)) => {
                    deliveries.spawn(deliver(
                        relay.clone(),
                        owner,
                        Arc::clone(&connections),
                        email,
                        Instant::from_std(captured),
                    ));
                }
                // The world (so the server) is gone.
                None => return,
            },
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
            _ = &mut stop => return,
        }
    }
}

/// Delivers one email: at most [`TRIES`] tries, none starting later than the window after the
/// capture, the back-off of the schedule between them; each outcome reported to the world.
async fn deliver(
    relay: Relay,
    owner: WeakShared,
    connections: Arc<Semaphore>,
    email: Arc<Captured>,
    captured: Instant,
) {
    let schedule = &relay.schedule;
    let window_end = captured + schedule.window;
    let id = email.id();
    let (envelope, message) = match message(&email) {
        Ok(ready) => ready,
        Err(reason) => {
            report(&owner, id, RelayStatus::refused(reason));
            return;
        }
    };
    let mut status = RelayStatus::pending();
    for attempt in 1..=TRIES {
        let permit =
            match tokio::time::timeout_at(window_end, Arc::clone(&connections).acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                // The window passed while other deliveries held every connection (or the
                // semaphore was closed, which never happens).
                _ => {
                    status.status = RelayState::Failed;
                    status.error.get_or_insert_with(|| {
                        format!(
                            "not tried: {} s passed while other deliveries used every connection",
                            schedule.window.as_secs()
                        )
                    });
                    report(&owner, id, status);
                    return;
                }
            };
        let sent = tokio::time::timeout(
            schedule.answer_timeout,
            relay.transport.send_raw(&envelope, &message),
        )
        .await;
        drop(permit);
        status.attempts = attempt;
        match sent {
            Ok(Ok(_)) => {
                status.status = RelayState::Sent;
                report(&owner, id, status);
                return;
            }
            Ok(Err(error)) => status.error = Some(error.to_string()),
            Err(_) => {
                status.error = Some(format!(
                    "no answer within {} s",
                    schedule.answer_timeout.as_secs_f64()
                ))
            }
        }
        let Some(next) = next_try(schedule, attempt, Instant::now(), window_end) else {
            // The one line a user sees without reading the email JSON: a wrong relay address
            // or a refusing server shows up in the log.
            tracing::warn!(
                email = id,
                attempts = attempt,
                error = status.error.as_deref().unwrap_or(""),
                "the SMTP relay did not take the email; given up"
            );
            status.status = RelayState::Failed;
            report(&owner, id, status);
            return;
        };
        report(&owner, id, status.clone());
        tokio::time::sleep_until(next).await;
    }
}

/// Tells the double that captured email `id` how its delivery stands, if the double is still
/// there (a session may have ended meanwhile).
fn report(owner: &WeakShared, id: u64, status: RelayStatus) {
    if let Some(shared) = owner.upgrade() {
        shared.with(|world| world.relay_changed(id, status));
    }
}

/// When the try after failed try number `attempt` starts: after the back-off, moved up to the
/// end of the window if it would fall later; none after the last try or once the window has
/// passed.
fn next_try(
    schedule: &Schedule,
    attempt: u32,
    now: Instant,
    window_end: Instant,
) -> Option<Instant> {
    let wait = schedule.backoff.get(attempt.checked_sub(1)? as usize)?;
    (attempt < TRIES && now < window_end).then(|| (now + *wait).min(window_end))
}

/// The envelope (from the address inside `from`, to `to`) and the message: the bytes of
/// `/raw`, every line ended by CRLF, less the last CRLF, which lettre always sends itself as
/// the start of the end-of-data mark (`CRLF . CRLF`). So the server receives `/raw` exactly.
fn message(email: &Captured) -> Result<(Envelope, Vec<u8>), String> {
    let shown = email.email();
    let from = address(&shown.from).map_err(|e| {
        format!(
            "not relayed: the sender '{}' is not an address: {e}",
            shown.from
        )
    })?;
    let to = address(&shown.to).map_err(|e| {
        format!(
            "not relayed: the recipient '{}' is not an address: {e}",
            shown.to
        )
    })?;
    let envelope = Envelope::new(Some(from), vec![to]).map_err(|e| format!("not relayed: {e}"))?;
    let mut message = crlf(&email.source());
    if message.ends_with(b"\r\n") {
        message.truncate(message.len() - 2);
    }
    Ok((envelope, message))
}

/// The address of `Name <address>`, or the whole value when it has no angle brackets.
fn address(value: &str) -> Result<Address, lettre::address::AddressError> {
    let inner = match value.rsplit_once('<') {
        Some((_, rest)) => rest.trim_end().trim_end_matches('>'),
        None => value,
    };
    inner.trim().parse()
}

/// `text` with every line ended by CRLF (a lone LF or CR becomes CRLF).
fn crlf(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 64);
    let mut bytes = text.bytes().peekable();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\r' => {
                if bytes.peek() == Some(&b'\n') {
                    bytes.next();
                }
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_sender_is_the_address_inside_the_display_form() {
        assert_eq!(
            address("Microsoft Exchange <noreply@contoso.com>")
                .unwrap()
                .to_string(),
            "noreply@contoso.com"
        );
        assert_eq!(
            address("alice@contoso.com").unwrap().to_string(),
            "alice@contoso.com"
        );
        assert!(address("Nobody <not an address>").is_err());
    }

    #[test]
    fn retries_follow_the_back_off_move_up_to_the_window_and_stop_after_four() {
        let schedule = Schedule::default();
        let start = Instant::now();
        let end = start + schedule.window;
        let secs = std::time::Duration::from_secs;

        assert_eq!(next_try(&schedule, 1, start, end), Some(start + secs(1)));
        assert_eq!(
            next_try(&schedule, 3, start + secs(4), end),
            Some(start + secs(13))
        );
        // A third try that ended 25 s in would wait until 34 s: it starts at 30 s instead.
        assert_eq!(next_try(&schedule, 3, start + secs(25), end), Some(end));
        assert_eq!(next_try(&schedule, 2, start + secs(31), end), None);
        assert_eq!(next_try(&schedule, TRIES, start + secs(5), end), None);
    }

    #[test]
    fn every_line_ends_with_crlf_and_crlf_stays_as_it_is() {
        assert_eq!(crlf("a\r\nb\nc\rd"), b"a\r\nb\r\nc\r\nd");
        assert_eq!(crlf("x\r\n"), b"x\r\n");
    }
}
