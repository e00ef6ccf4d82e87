//! Who is calling: the credentials of the `Authorization` header (Basic, NTLM, Negotiate), read
//! and decoded before the state lock, with the NTLM handshake kept per connection
//! ([`ConnectionAuth`]). Matching them against the mailboxes, and checking an NTLM response
//! against a password, happens under the lock (`World::identify`).

mod basic;
mod connection;
mod leg;
pub(crate) mod ntlm;

pub(crate) use connection::{Authenticated, ConnectionAuth};
pub(crate) use leg::{credentials, negotiate_header, with_negotiate_header, AuthSettings};

/// An HTTP authentication scheme the double can offer (`server.auth` in the fixtures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthScheme {
    /// SPNEGO carrying NTLM (or raw NTLM under `Negotiate`).
    Negotiate,
    /// Bare NTLM.
    Ntlm,
    /// HTTP Basic.
    Basic,
}

impl AuthScheme {
    /// What an Exchange with Windows and Basic authentication offers, in its order.
    pub(crate) const DEFAULT: [AuthScheme; 3] =
        [AuthScheme::Negotiate, AuthScheme::Ntlm, AuthScheme::Basic];

    /// The fixture and journal word: `negotiate`, `ntlm`, `basic`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AuthScheme::Negotiate => "negotiate",
            AuthScheme::Ntlm => "ntlm",
            AuthScheme::Basic => "basic",
        }
    }

    /// The scheme of a fixture word (exact, lowercase) or of an `Authorization` header
    /// (any case).
    pub(crate) fn from_name(name: &str) -> Option<AuthScheme> {
        AuthScheme::DEFAULT
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// The `WWW-Authenticate` line of a 401 that offers this scheme (no data).
    pub(crate) fn challenge(self) -> &'static str {
        match self {
            AuthScheme::Negotiate => "Negotiate",
            AuthScheme::Ntlm => "NTLM",
            AuthScheme::Basic => crate::state::BASIC_CHALLENGE,
        }
    }
}

#[cfg(test)]
mod tests;
