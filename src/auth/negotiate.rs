//! HTTP Negotiate: SPNEGO (or a bare NTLM message, as some clients send) carrying the NTLM
//! handshake of `ntlm` (which also sends SPNEGO's accept-completed on a successful answer).

use super::ntlmssp::{Authenticate, Challenge, Scheme};
use super::{ntlm, AuthScheme, Channel, Credentials, Leg, Refusal};

/// The fixture and journal word.
pub(super) const NAME: &str = "negotiate";
/// The header word.
pub(super) const WORD: &str = "Negotiate";

/// The `WWW-Authenticate` line that starts a handshake.
pub(super) fn challenge(_channel: &Channel) -> String {
    WORD.to_string()
}

pub(super) fn read(token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
    ntlm::handshake(Scheme::Negotiate, AuthScheme::Negotiate, token, leg)
}

/// The NTLM answer inside, checked as `ntlm` checks it. `channel` is where a check of the
/// channel (Extended Protection) belongs.
pub(super) fn check(
    message: &Authenticate,
    challenge: &Challenge,
    password: &str,
    channel: &Channel,
) -> Result<(), String> {
    ntlm::check(message, challenge, password, channel)
}
