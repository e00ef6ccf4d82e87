//! Windows and Basic authentication as protocols: the schemes the double can offer
//! ([`AuthScheme`]), the NTLM and SPNEGO message codec and response checks ([`ntlm`]), and what
//! one connection remembers of a handshake ([`ConnectionAuth`]). Pure and below the fixtures,
//! the state and the service: reading a request's `Authorization` header is the service's
//! (`service::auth`), matching the user to a mailbox the state's (`World::identify`).

mod connection;
pub(crate) mod ntlm;

pub(crate) use connection::{Authenticated, ConnectionAuth};

/// The Basic scheme's `WWW-Authenticate` line.
pub(crate) const BASIC_CHALLENGE: &str = "Basic realm=\"exchange-um-mock\"";

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
            AuthScheme::Basic => BASIC_CHALLENGE,
        }
    }
}
