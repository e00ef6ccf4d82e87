//! What an `Authorization` header proved ([`Credentials`]): who it names, how to find their
//! mailbox, and a [`Proof`] the scheme checks against the mailbox's password; and the 401 of a
//! caller who could not be identified ([`Refusal`]).

use std::fmt::Debug;
use std::sync::Arc;

use super::{AuthScheme, Authenticated, Channel};
use crate::vocab::wire::WireResponse;

/// Who the caller says they are, as read from the request.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) scheme: AuthScheme,
    /// The user name as given (`CONTOSO\alice`): the journal's identity.
    pub(crate) user: String,
    pub(crate) lookup: Lookup,
    pub(crate) proof: Arc<dyn Proof>,
    /// A `WWW-Authenticate` value to add to the answer (SPNEGO's accept-completed).
    pub(crate) final_reply: Option<String>,
}

/// How the caller's mailbox is found.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    /// The mailbox that answers to this name (a logon or its address).
    Name(String),
    /// `name` in the Windows domain `domain` (an NTLM `DOMAIN\user` with a domain): the
    /// `DOMAIN\name` logon, or the bare name in a mailbox the domain could hold.
    InDomain { domain: String, name: String },
    /// The mailbox, by address, that the connection's handshake already proved.
    Address(String),
}

/// What the credentials prove, checked under the lock once the mailbox is found.
pub(crate) trait Proof: Debug + Send + Sync {
    /// `Ok` if this proves knowledge of `password`, the password of the mailbox `address`,
    /// on `channel` (the connection's facts, for a scheme that binds to them); otherwise why
    /// not. Called only for a mailbox that sets a password.
    fn check(&self, password: &str, address: &str, channel: &Channel) -> Result<(), String>;

    /// The caller was identified as `who` (a handshake remembers it on its connection).
    fn identified(&self, _who: Authenticated) {}
}

/// Nothing left to prove: the connection's handshake was checked when it authenticated.
#[derive(Debug)]
struct Proved;

impl Proof for Proved {
    fn check(&self, _password: &str, _address: &str, _channel: &Channel) -> Result<(), String> {
        Ok(())
    }
}

impl Credentials {
    /// No `Authorization` header on a connection a handshake already authenticated as `who`.
    pub(crate) fn connection(who: Authenticated) -> Self {
        Credentials {
            scheme: who.scheme,
            user: who.user,
            lookup: Lookup::Address(who.address),
            proof: Arc::new(Proved),
            final_reply: None,
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
