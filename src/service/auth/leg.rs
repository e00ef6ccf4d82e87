//! One `Authorization` header read into [`Credentials`]: Basic decoded, an NTLM or Negotiate
//! leg run through the codec against this connection's pending challenge. A CHALLENGE leg is
//! answered here (a 401 that carries it); the AUTHENTICATE leg goes on to `World::identify`,
//! which finds the mailbox and checks the password under the lock.

use std::time::SystemTime;

use super::basic;
use crate::auth::ntlm::{self, ChallengeParams, ChallengeProfile, Scheme, Step};
use crate::auth::{AuthScheme, ConnectionAuth};
use crate::fixtures::Fixtures;
use crate::state::{unauthorized, Credentials, Refusal};
use crate::vocab::wire::{Plan, Reply, WireRequest};

/// What the fixtures say about authentication, read from the current fixtures (never the
/// world lock).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthSettings<'a> {
    /// `server.auth`: the schemes offered, in challenge order.
    pub(crate) offered: &'a [AuthScheme],
    /// `server.fqdn`, for the names in a CHALLENGE.
    pub(crate) fqdn: &'a str,
    /// `server.ntlm_challenge`.
    pub(crate) profile: ChallengeProfile,
}

impl<'a> AuthSettings<'a> {
    pub(crate) fn of(fixtures: &'a Fixtures) -> Self {
        AuthSettings {
            offered: &fixtures.auth,
            fqdn: &fixtures.fqdn,
            profile: fixtures.ntlm_challenge,
        }
    }
}

/// The caller's credentials from `request`, or why there are none (with the 401 to answer).
/// `connection` is `None` where there is no connection to hold a handshake (the wiremock
/// responder): NTLM and Negotiate are then refused with a reason.
pub(crate) fn credentials(
    request: &WireRequest,
    settings: &AuthSettings<'_>,
    connection: Option<&ConnectionAuth>,
) -> Result<Credentials, Refusal> {
    let refuse = |scheme: Option<AuthScheme>, reason: String| Refusal {
        user: None,
        scheme,
        reason,
        response: unauthorized(settings.offered),
    };
    let Some(header) = request.header("authorization") else {
        if let Some(who) = connection.and_then(ConnectionAuth::authenticated) {
            return Ok(Credentials::Connection(who));
        }
        return Err(refuse(None, "no Authorization header".into()));
    };
    let (name, token) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let Some(scheme) = AuthScheme::from_name(name) else {
        if token.trim().is_empty() {
            // One bare token: it may be the credentials themselves, so it is not repeated here.
            return Err(refuse(
                None,
                "malformed Authorization header (expected '<scheme> <credentials>')".into(),
            ));
        }
        return Err(refuse(
            None,
            format!("unsupported authentication scheme '{name}' (Negotiate, NTLM or Basic)"),
        ));
    };
    if !settings.offered.contains(&scheme) {
        let offered: Vec<_> = settings.offered.iter().map(|s| s.name()).collect();
        return Err(refuse(
            Some(scheme),
            format!(
                "the {} scheme is not offered (server.auth: {}); treated as no credentials",
                scheme.name(),
                offered.join(", ")
            ),
        ));
    }
    let wire_scheme = match scheme {
        AuthScheme::Basic => return basic::decode(token).map_err(|r| refuse(Some(scheme), r)),
        AuthScheme::Ntlm => Scheme::Ntlm,
        AuthScheme::Negotiate => Scheme::Negotiate,
    };
    let Some(connection) = connection else {
        return Err(refuse(
            Some(scheme),
            "NTLM and Negotiate need a connection to hold the handshake; the wiremock responder \
             has none (use UmMockServer, or Basic)"
                .into(),
        ));
    };
    let token = ntlm::decode_base64(token).map_err(|e| refuse(Some(scheme), e.to_string()))?;
    let pending = connection.pending().map(|(_, challenge)| challenge);
    let params = ChallengeParams {
        fqdn: settings.fqdn,
        profile: settings.profile,
        server_challenge: rand::random(),
        timestamp: ntlm::filetime(SystemTime::now()),
    };
    let leg = |reply: &[u8], reason: &str| Refusal {
        user: None,
        scheme: Some(scheme),
        reason: reason.into(),
        response: unauthorized(&[]).with_header(
            "WWW-Authenticate",
            format!("{} {}", scheme.challenge(), ntlm::encode_base64(reply)),
        ),
    };
    match ntlm::accept(wire_scheme, &token, pending.as_ref(), &params) {
        Err(error) => Err(refuse(Some(scheme), error.to_string())),
        Ok(Step::Challenge { reply, pending }) => {
            connection.challenge_sent(wire_scheme, pending);
            Err(leg(
                &reply,
                "NTLM challenge sent; the client answers on this connection",
            ))
        }
        Ok(Step::SelectMech { reply }) => Err(leg(
            &reply,
            "Negotiate: NTLM selected; the client sends its NTLM NEGOTIATE next",
        )),
        Ok(Step::Authenticate {
            message,
            final_reply,
        }) => {
            let Some(challenge) = pending else {
                // `accept` refuses an AUTHENTICATE without a pending challenge; kept total.
                return Err(refuse(
                    Some(scheme),
                    "no NTLM challenge is pending on this connection".into(),
                ));
            };
            Ok(Credentials::Ntlm {
                scheme: wire_scheme,
                message: Box::new(message),
                challenge,
                final_reply: final_reply
                    .map(|reply| format!("Negotiate {}", ntlm::encode_base64(&reply))),
                connection: connection.clone(),
            })
        }
    }
}

/// The `WWW-Authenticate: Negotiate <accept-completed>` a successful SPNEGO leg adds to its
/// answer, if `credentials` is one.
pub(crate) fn negotiate_header(credentials: &Result<Credentials, Refusal>) -> Option<String> {
    match credentials {
        Ok(Credentials::Ntlm { final_reply, .. }) => final_reply.clone(),
        _ => None,
    }
}

/// `plan` with the final Negotiate header, unless the caller was refused after all.
pub(crate) fn with_negotiate_header(mut plan: Plan, header: Option<String>) -> Plan {
    if let (Some(header), Reply::Http(response)) = (header, &mut plan.reply) {
        if response.status != 401 {
            response.headers.push(("WWW-Authenticate".into(), header));
        }
    }
    plan
}
