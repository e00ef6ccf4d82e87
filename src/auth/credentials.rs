//! What an `Authorization` header proved ([`Credentials`]), how it is checked against a
//! mailbox's password, and the 401 of a caller who could not be identified ([`Refusal`]).

use super::ntlmssp::{Authenticate, Challenge};
use super::{basic, negotiate, ntlm, AuthScheme, Authenticated, Channel, ConnectionAuth};
use crate::vocab::wire::WireResponse;

/// Who the caller says they are, as read from the request.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    /// `Authorization: Basic`; the password is checked if the mailbox sets one.
    Basic { user: String, password: String },
    /// An NTLM AUTHENTICATE answering this connection's pending challenge, under `NTLM` or
    /// `Negotiate`.
    Ntlm {
        scheme: AuthScheme,
        message: Box<Authenticate>,
        /// The challenge the message answers.
        challenge: Challenge,
        /// The `WWW-Authenticate` value to add to the answer (SPNEGO's accept-completed).
        final_reply: Option<String>,
        /// Marked authenticated when the message checks out.
        connection: ConnectionAuth,
        /// The channel the message came on, for the scheme's check.
        channel: Channel,
    },
    /// No `Authorization` header on a connection NTLM already authenticated.
    Connection(Authenticated),
}

impl Credentials {
    /// The scheme they came under: the journal's `auth_scheme`.
    pub(crate) fn scheme(&self) -> AuthScheme {
        match self {
            Credentials::Basic { .. } => AuthScheme::Basic,
            Credentials::Ntlm { scheme, .. } => *scheme,
            Credentials::Connection(who) => who.scheme,
        }
    }

    /// The scheme's check against the password of the mailbox `address` (`None`: the mailbox
    /// sets none, and any password is accepted); the reason when it fails.
    pub(crate) fn check(&self, password: Option<&str>, address: &str) -> Result<(), String> {
        let Some(password) = password else {
            return Ok(());
        };
        match self {
            Credentials::Basic {
                password: given, ..
            } => {
                basic::check(password, given).map_err(|reason| format!("{reason} for '{address}'"))
            }
            Credentials::Ntlm {
                scheme,
                message,
                challenge,
                channel,
                ..
            } => {
                let checked = match scheme {
                    AuthScheme::Negotiate => {
                        negotiate::check(message, challenge, password, channel)
                    }
                    _ => ntlm::check(message, challenge, password, channel),
                };
                checked.map_err(|reason| format!("{reason} ('{address}')"))
            }
            // The handshake was checked when the connection authenticated.
            Credentials::Connection(_) => Ok(()),
        }
    }
}

/// A caller who could not be identified: the user name they gave (if any) and why.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) user: Option<String>,
    /// The journal's `auth_scheme`, when the request got as far as naming an offered one.
    pub(crate) scheme: Option<AuthScheme>,
    pub(crate) reason: String,
    /// The 401 to answer.
    pub(crate) response: WireResponse,
}

/// IIS's 401 for missing or wrong credentials, one challenge line per offered scheme.
pub(crate) fn unauthorized(offered: &[AuthScheme], channel: &Channel) -> WireResponse {
    let body = "401 - Unauthorized: Access is denied due to invalid credentials.";
    offered.iter().fold(
        WireResponse::new(401, "text/plain; charset=utf-8", body),
        |response, scheme| response.with_header("WWW-Authenticate", scheme.challenge(channel)),
    )
}
