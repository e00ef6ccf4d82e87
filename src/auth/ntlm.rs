//! HTTP NTLM: `Authorization: NTLM base64(message)`, a handshake over one connection
//! (NEGOTIATE, CHALLENGE, AUTHENTICATE) whose AUTHENTICATE is checked against the mailbox's
//! password. The handshake is shared with `negotiate`, which carries the same messages.

use std::sync::Arc;
use std::time::SystemTime;

use super::ntlmssp::{self, Authenticate, Challenge, ChallengeParams, Scheme, Step};
use super::{
    extended_protection, unauthorized, AuthScheme, Authenticated, Channel, ConnectionAuth,
    Credentials, Leg, Lookup, Proof, Refusal, SchemeDef,
};

pub(super) const SCHEME: SchemeDef = SchemeDef {
    name: "ntlm",
    word: "NTLM",
    challenge,
    read,
};

/// The `WWW-Authenticate` line that starts a handshake.
fn challenge(_channel: &Channel) -> String {
    "NTLM".to_string()
}

fn read(token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
    handshake(Scheme::Ntlm, AuthScheme::NTLM, token, leg)
}

/// An AUTHENTICATE answering the connection's pending challenge, under `NTLM` or `Negotiate`.
#[derive(Debug)]
struct Answer {
    message: Authenticate,
    /// The challenge the message answers.
    challenge: Challenge,
    /// Marked authenticated when the message checks out.
    connection: ConnectionAuth,
}

impl Proof for Answer {
    /// The response to the challenge, computed from `password`. The channel was checked
    /// already (Extended Protection, in `handshake`): it applies to mailboxes without a
    /// password too, which never get here.
    fn check(&self, password: &str, address: &str, _channel: &Channel) -> Result<(), String> {
        ntlmssp::verify(&self.message, &self.challenge, password)
            .map(|_kind| ())
            .map_err(|error| format!("{error} ('{address}')"))
    }

    fn identified(&self, who: Authenticated) {
        self.connection.authenticate(who);
    }
}

/// One leg of an NTLM handshake under `scheme` (`wire` is how the codec reads the token), run
/// against the connection's pending challenge: a CHALLENGE leg is answered here (a 401 that
/// carries it); an AUTHENTICATE becomes credentials for the caller's check.
pub(super) fn handshake(
    wire: Scheme,
    scheme: AuthScheme,
    token: &str,
    leg: &Leg<'_>,
) -> Result<Credentials, Refusal> {
    let Some(connection) = leg.connection else {
        return Err(leg.refuse(
            Some(scheme),
            "NTLM and Negotiate need a connection to hold the handshake; the wiremock responder \
             has none (use UmMockServer, or Basic)"
                .into(),
        ));
    };
    let token =
        ntlmssp::decode_base64(token).map_err(|e| leg.refuse(Some(scheme), e.to_string()))?;
    let pending = connection.pending().map(|(_, challenge)| challenge);
    let params = ChallengeParams {
        fqdn: leg.settings.fqdn,
        profile: leg.settings.profile,
        server_challenge: rand::random(),
        timestamp: ntlmssp::filetime(SystemTime::now()),
    };
    // A leg of the handshake: a 401 with this scheme's reply alone.
    let next = |reply: &[u8], reason: &str| Refusal {
        user: None,
        scheme: Some(scheme),
        reason: reason.into(),
        response: unauthorized(&[], leg.channel).with_header(
            "WWW-Authenticate",
            format!("{} {}", scheme.word(), ntlmssp::encode_base64(reply)),
        ),
    };
    match ntlmssp::accept(wire, &token, pending.as_ref(), &params) {
        Err(error) => Err(leg.refuse(Some(scheme), error.to_string())),
        Ok(Step::Challenge { reply, pending }) => {
            connection.challenge_sent(wire, pending);
            Err(next(
                &reply,
                "NTLM challenge sent; the client answers on this connection",
            ))
        }
        Ok(Step::SelectMech { reply }) => Err(next(
            &reply,
            "Negotiate: NTLM selected; the client sends its NTLM NEGOTIATE next",
        )),
        Ok(Step::Authenticate {
            message,
            final_reply,
        }) => {
            let Some(challenge) = pending else {
                // `accept` refuses an AUTHENTICATE without a pending challenge; kept total.
                return Err(leg.refuse(
                    Some(scheme),
                    "no NTLM challenge is pending on this connection".into(),
                ));
            };
            let user = message.identity();
            // Before any mailbox is found: the binding is the connection's, not the password's.
            extended_protection::check(
                leg.settings.extended_protection,
                &message,
                &challenge,
                leg.channel,
                leg.settings.fqdn,
            )
            .map_err(|reason| Refusal {
                user: Some(user.clone()),
                ..leg.refuse(Some(scheme), reason)
            })?;
            Ok(Credentials {
                scheme,
                // A UPN (`user@domain`) comes with an empty domain: the name alone, against the
                // addresses and logons. A domain must be one the user could belong to.
                lookup: if message.domain.is_empty() {
                    Lookup::Name(message.user.clone())
                } else {
                    Lookup::InDomain {
                        domain: message.domain.clone(),
                        name: message.user.clone(),
                    }
                },
                user,
                // Only SPNEGO has a final reply, so it goes out under this scheme's word: `Negotiate`.
                final_reply: final_reply
                    .map(|reply| format!("{} {}", scheme.word(), ntlmssp::encode_base64(&reply))),
                proof: Arc::new(Answer {
                    message,
                    challenge,
                    connection: connection.clone(),
                }),
            })
        }
    }
}
