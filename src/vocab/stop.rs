//! The server's stop signal, a leaf so that the router and the admin API below it can both hold
//! one without depending on each other.

use tokio::sync::watch;

/// Fires once when the server stops; long-polls, event streams and hanging requests end on it.
#[derive(Debug, Clone)]
pub(crate) struct Stop(watch::Receiver<bool>);

impl Stop {
    pub(crate) fn new() -> (watch::Sender<bool>, Stop) {
        let (tx, rx) = watch::channel(false);
        (tx, Stop(rx))
    }

    /// A signal that has already fired: whatever waits on it (a long-poll, an event stream)
    /// ends at once, as for a `HEAD`, which wants the answer's head and no waiting.
    pub(crate) fn fired() -> Stop {
        let (_, stop) = watch::channel(true);
        Stop(stop)
    }

    /// Resolves when the server stops (or its stop sender is gone).
    pub(crate) async fn wait(mut self) {
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }
}
