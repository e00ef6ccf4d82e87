//! What one TCP connection remembers of Windows authentication (it belongs to the
//! connection task, not to a global map): per double it talks to (the root, or a session by
//! its prefix), at most one pending CHALLENGE and the user the connection authenticated as
//! there. Dropped with the connection; the doubles remembered are at most [`MAX_SCOPES`].

use std::sync::{Arc, Mutex, PoisonError};

use super::ntlmssp::{Challenge, Scheme};
use super::AuthScheme;

/// The most doubles (root and sessions) one connection keeps a handshake for: past it, the one
/// used longest ago is forgotten and must authenticate again there. More than a server's
/// sessions by default, so it only bounds a connection that outlives many sessions.
pub(crate) const MAX_SCOPES: usize = 128;

/// A cheap handle on one connection's authentication state with one double, made in the accept
/// loop for each connection, handed to every request served on it and narrowed to the double
/// a request is for ([`ConnectionAuth::scoped`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionAuth {
    /// A std mutex: hyper serves the requests of an HTTP/1.1 connection one at a time, so it is
    /// never contended; it is only needed because the service closure is `Fn` and shared. Each
    /// critical section is a copy in or out, never held across an `.await` (it is taken
    /// inside the world lock, never the other way round).
    scopes: Arc<Mutex<Scopes>>,
    /// The double this handle is for: a session's prefix, empty for the root.
    scope: Arc<str>,
}

/// Each double's state, the one used last at the end.
#[derive(Debug, Default)]
struct Scopes(Vec<(Arc<str>, State)>);

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
    /// The same connection, talking to the double under `prefix` (a session's, or empty for
    /// the root): a handshake there neither sees nor ends the one with another double.
    pub(crate) fn scoped(&self, prefix: impl Into<Arc<str>>) -> ConnectionAuth {
        ConnectionAuth {
            scopes: Arc::clone(&self.scopes),
            scope: prefix.into(),
        }
    }

    /// Runs `f` on this double's state, made if new and moved to the end as the newest used.
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // Nothing in a critical section can panic half-way through a change.
        let mut scopes = self.scopes.lock().unwrap_or_else(PoisonError::into_inner);
        let scopes = &mut scopes.0;
        let at = scopes.iter().position(|(scope, _)| *scope == self.scope);
        let entry = match at {
            Some(at) => scopes.remove(at),
            None => {
                if scopes.len() >= MAX_SCOPES {
                    scopes.remove(0);
                }
                (Arc::clone(&self.scope), State::default())
            }
        };
        scopes.push(entry);
        let (_, state) = scopes.last_mut().expect("just pushed");
        f(state)
    }

    /// The pending CHALLENGE, if any (left in place: only a verified answer uses it up).
    pub(crate) fn pending(&self) -> Option<(Scheme, Challenge)> {
        self.with(|state| state.pending.clone())
    }

    /// A NEGOTIATE was answered: the handshake starts over with `challenge`.
    pub(crate) fn challenge_sent(&self, scheme: Scheme, challenge: Challenge) {
        self.with(|state| {
            state.pending = Some((scheme, challenge));
            state.authenticated = None;
        });
    }

    /// The user this connection authenticated as with this double, if it did.
    pub(crate) fn authenticated(&self) -> Option<Authenticated> {
        self.with(|state| state.authenticated.clone())
    }

    /// The AUTHENTICATE checked out: the connection is `who` from now on, with this double.
    pub(crate) fn authenticate(&self, who: Authenticated) {
        self.with(|state| {
            state.pending = None;
            state.authenticated = Some(who);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Authenticated {
        Authenticated {
            scheme: AuthScheme::NTLM,
            user: "CONTOSO\\alice".into(),
            address: "alice@contoso.com".into(),
        }
    }

    #[test]
    fn an_identity_proved_under_one_prefix_is_not_known_under_another() {
        let connection = ConnectionAuth::default();
        connection.scoped("/sessions/a").authenticate(alice());

        assert_eq!(
            connection.scoped("/sessions/a").authenticated(),
            Some(alice())
        );
        assert_eq!(connection.scoped("/sessions/b").authenticated(), None);
        assert_eq!(connection.scoped("").authenticated(), None);
    }

    #[test]
    fn a_handshake_under_another_prefix_does_not_end_an_identity() {
        let connection = ConnectionAuth::default();
        connection.scoped("/sessions/a").authenticate(alice());

        connection.scoped("").authenticate(alice());
        let challenge = Challenge {
            server_challenge: [7; 8],
            flags: 0,
            profile: Default::default(),
            target_info: Vec::new(),
            timestamp: None,
        };
        connection
            .scoped("/sessions/b")
            .challenge_sent(Scheme::Ntlm, challenge);

        assert_eq!(
            connection.scoped("/sessions/a").authenticated(),
            Some(alice())
        );
    }

    #[test]
    fn past_the_bound_the_double_used_longest_ago_is_forgotten() {
        let connection = ConnectionAuth::default();
        connection.scoped("/sessions/first").authenticate(alice());
        for n in 0..MAX_SCOPES {
            connection
                .scoped(format!("/sessions/{n}"))
                .authenticate(alice());
        }

        assert_eq!(connection.scoped("/sessions/first").authenticated(), None);
        assert_eq!(
            connection
                .scoped(format!("/sessions/{}", MAX_SCOPES - 1))
                .authenticated(),
            Some(alice())
        );
    }
}
