//! What one TCP connection remembers of Windows authentication (it belongs to the
//! connection task, not to a global map): at most one pending CHALLENGE and the user the
//! connection authenticated as. Dropped with the connection, so it needs no other bound.

use std::sync::{Arc, Mutex, PoisonError};

use super::ntlmssp::{Challenge, Scheme};
use super::AuthScheme;

/// A cheap handle on one connection's authentication state, made in the accept loop for each
/// connection and handed to every request served on it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionAuth {
    /// A std mutex: hyper serves the requests of an HTTP/1.1 connection one at a time, so it is
    /// never contended; it is only needed because the service closure is `Fn` and shared. Each
    /// critical section is a copy in or out, never held across an `.await` (it is taken
    /// inside the world lock, never the other way round).
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The CHALLENGE sent on this connection that no AUTHENTICATE has answered yet.
    pending: Option<(Scheme, Challenge)>,
    authenticated: Option<Authenticated>,
}

/// Who an NTLM or Negotiate handshake proved the connection to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// The scheme the handshake ran under.
    pub(crate) scheme: AuthScheme,
    /// The name as the client gave it (`CONTOSO\alice`).
    pub(crate) user: String,
    /// The mailbox it resolved to.
    pub(crate) address: String,
}

impl ConnectionAuth {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing in a critical section can panic half-way through a change.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pending CHALLENGE, if any (left in place: only a verified answer uses it up).
    pub(crate) fn pending(&self) -> Option<(Scheme, Challenge)> {
        self.lock().pending.clone()
    }

    /// A NEGOTIATE was answered: the handshake starts over with `challenge`.
    pub(crate) fn challenge_sent(&self, scheme: Scheme, challenge: Challenge) {
        let mut state = self.lock();
        state.pending = Some((scheme, challenge));
        state.authenticated = None;
    }

    /// The user this connection authenticated as, if it did.
    pub(crate) fn authenticated(&self) -> Option<Authenticated> {
        self.lock().authenticated.clone()
    }

    /// The AUTHENTICATE checked out: the connection is `who` from now on.
    pub(crate) fn authenticate(&self, who: Authenticated) {
        let mut state = self.lock();
        state.pending = None;
        state.authenticated = Some(who);
    }
}
