//! The world's side of the SMTP relay (`--smtp-relay`): every email captured is handed to the
//! relay's worker as it is captured, under the lock, and every change of its delivery comes
//! back through the lock, so the email JSON and its `email` events follow the order of
//! changes like everything else. The delivery itself (lettre, retries, back-off) is
//! `server/relay/`'s; nothing here waits.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::events::Change;
use super::{WeakShared, World};
use crate::domain::mail::relay::{RelayState, RelayStatus};
use crate::domain::mail::Captured;

/// What a double tells the relay's worker (one worker serves the root and every session).
#[derive(Debug)]
pub(crate) enum Job {
    /// Deliver this email, captured at that instant (its delivery pending), and report how
    /// it goes to the double that captured it (if it is still there: a session may end).
    Deliver(Arc<Captured>, Instant, WeakShared),
}

/// The queue of deliveries, bounded by `--max-emails` pending ones.
#[derive(Debug)]
pub(crate) struct RelayQueue {
    /// Unbounded as a channel, bounded by `pending`: a send never waits under the lock.
    jobs: mpsc::UnboundedSender<Job>,
    /// The double this world is, for the worker's reports: weak, as the world is inside it.
    owner: WeakShared,
    /// Deliveries queued and not yet sent or given up.
    pending: usize,
    /// The most that may be pending (`--max-emails`).
    cap: usize,
}

impl World {
    /// Relays every email captured from now on through `jobs`, at most `cap` deliveries
    /// pending; `owner` is the double this world is.
    pub(super) fn start_relay(
        &mut self,
        jobs: mpsc::UnboundedSender<Job>,
        cap: usize,
        owner: WeakShared,
    ) {
        self.emails.relay_all();
        self.relay = Some(RelayQueue {
            jobs,
            owner,
            pending: 0,
            cap: cap.max(1),
        });
    }

    /// Where this world hands its deliveries, if it relays: a session relays through its
    /// server's worker.
    pub(super) fn relay_jobs(&self) -> Option<mpsc::UnboundedSender<Job>> {
        self.relay.as_ref().map(|relay| relay.jobs.clone())
    }

    /// Hands a just-captured email to the relay, if there is one; the email as it is now.
    /// Past the bound, the delivery is given up at once and says why: the capture store keeps
    /// the email all the same.
    pub(super) fn relay_captured(&mut self, email: Arc<Captured>) -> Arc<Captured> {
        let Some(relay) = &mut self.relay else {
            return email;
        };
        if relay.pending >= relay.cap {
            let reason = format!(
                "not relayed: {} deliveries were already pending (the bound is --max-emails)",
                relay.pending
            );
            self.emails
                .set_relay(email.id(), RelayStatus::refused(reason))
                .unwrap_or(email)
        } else if relay
            .jobs
            .send(Job::Deliver(
                Arc::clone(&email),
                Instant::now(),
                relay.owner.clone(),
            ))
            .is_ok()
        {
            relay.pending += 1;
            email
        } else {
            // The worker is gone only when the server is stopping.
            let reason = "not relayed: the server is stopping".to_owned();
            self.emails
                .set_relay(email.id(), RelayStatus::refused(reason))
                .unwrap_or(email)
        }
    }

    /// Records how the delivery of email `id` stands after a try (or a give-up), and says so
    /// to event listeners if the email is still stored.
    pub(crate) fn relay_changed(&mut self, id: u64, status: RelayStatus) {
        let finished = status.status != RelayState::Pending;
        if let Some(relay) = &mut self.relay {
            if finished {
                relay.pending = relay.pending.saturating_sub(1);
            }
        }
        if let Some(email) = self.emails.set_relay(id, status) {
            self.note(Change::Email(email));
        }
    }
}
