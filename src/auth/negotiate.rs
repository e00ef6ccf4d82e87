//! HTTP Negotiate: SPNEGO (or a bare NTLM message, as some clients send) carrying the NTLM
//! handshake of `ntlm`, whose proof it shares; `ntlm` also sends SPNEGO's accept-completed on a
//! successful answer.

use super::ntlmssp::Scheme;
use super::{ntlm, AuthScheme, Channel, Credentials, Leg, Refusal, SchemeDef};

pub(super) const SCHEME: SchemeDef = SchemeDef {
    name: "negotiate",
    word: "Negotiate",
    challenge,
    read,
};

/// The `WWW-Authenticate` line that starts a handshake.
fn challenge(_channel: &Channel) -> String {
    "Negotiate".to_string()
}

fn read(token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
    ntlm::handshake(Scheme::Negotiate, AuthScheme::NEGOTIATE, token, leg)
}
