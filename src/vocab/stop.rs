//! The server's stop signal, a leaf so that the router and the admin API below it can both hold
//! one without depending on each other.

use tokio::sync::watch;

/// Fires once when the server stops (or, for a request under a session's prefix, the session
/// ends); long-polls, event streams and hanging requests end on it.
#[derive(Debug, Clone)]
pub(crate) struct Stop(watch::Receiver<bool>, Option<watch::Receiver<bool>>);

impl Stop {
    pub(crate) fn new() -> (watch::Sender<bool>, Stop) {
        let (tx, rx) = watch::channel(false);
        (tx, Stop(rx, None))
    }

    /// A signal that fires when `sender` sends `true` or is dropped.
    pub(crate) fn from_sender(sender: &watch::Sender<bool>) -> Stop {
        Stop(sender.subscribe(), None)
    }

    /// A signal that fires when this one or `other` does (`other`'s second signal is not
    /// kept: a server's stop joined with a session's end is as far as it goes).
    pub(crate) fn or(&self, other: &Stop) -> Stop {
        Stop(self.0.clone(), Some(other.0.clone()))
    }

    /// A signal that has already fired: whatever waits on it (a long-poll, an event stream)
    /// ends at once, as for a `HEAD`, which wants the answer's head and no waiting.
    pub(crate) fn fired() -> Stop {
        let (_, stop) = watch::channel(true);
        Stop(stop, None)
    }

    /// Resolves when the server stops (or its stop sender is gone).
    pub(crate) async fn wait(mut self) {
        let Some(mut other) = self.1 else {
            let _ = self.0.wait_for(|stopped| *stopped).await;
            return;
        };
        tokio::select! {
            _ = self.0.wait_for(|stopped| *stopped) => {}
            _ = other.wait_for(|stopped| *stopped) => {}
        }
    }
}
