//! One `Authorization` header read into [`Credentials`]: its scheme named and offered, then
//! read by that scheme's module (`crate::auth`) against this connection's handshake. The
//! AUTHENTICATE goes on to `World::identify`, which finds the mailbox and runs the scheme's
//! check under the lock.

use crate::auth::{self, AuthScheme, Channel, ConnectionAuth, Credentials, Leg, Refusal, Settings};
use crate::fixtures::Fixtures;
use crate::vocab::wire::{Plan, Reply, WireRequest};

/// What the authentication schemes may need to know of the channel `request` came on.
pub(crate) fn channel(request: &WireRequest) -> Channel {
    Channel {
        tls: request.scheme == "https",
        host: request.header("host").map(str::to_string),
        certificate: request.certificate.clone(),
    }
}

/// The caller's credentials from `request`, or why there are none (with the 401 to answer),
/// under the authentication settings of `fixtures` (the current ones, never the world lock).
/// `connection` is `None` where there is no connection to hold a handshake (the wiremock
/// responder): NTLM and Negotiate are then refused with a reason.
pub(crate) fn credentials(
    request: &WireRequest,
    fixtures: &Fixtures,
    connection: Option<&ConnectionAuth>,
    channel: &Channel,
) -> Result<Credentials, Refusal> {
    let leg = Leg {
        settings: Settings {
            offered: &fixtures.auth,
            fqdn: &fixtures.fqdn,
            profile: fixtures.ntlm_challenge,
            extended_protection: fixtures.extended_protection,
        },
        connection,
        channel,
    };
    let Some(header) = request.header("authorization") else {
        if let Some(who) = connection.and_then(ConnectionAuth::authenticated) {
            return Ok(Credentials::connection(who));
        }
        return Err(leg.refuse(None, "no Authorization header".into()));
    };
    let (name, token) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let Some(scheme) = AuthScheme::from_name(name) else {
        if token.trim().is_empty() {
            // One bare token: it may be the credentials themselves, so it is not repeated here.
            return Err(leg.refuse(
                None,
                "malformed Authorization header (expected '<scheme> <credentials>')".into(),
            ));
        }
        let words: Vec<&str> = AuthScheme::ALL.iter().map(|s| s.word()).collect();
        return Err(leg.refuse(
            None,
            format!(
                "unsupported authentication scheme '{name}' ({})",
                auth::spoken(&words, "or")
            ),
        ));
    };
    let offered = leg.settings.offered;
    if !offered.contains(&scheme) {
        let offered: Vec<_> = offered.iter().map(|s| s.name()).collect();
        return Err(leg.refuse(
            Some(scheme),
            format!(
                "the {} scheme is not offered (server.auth: {}); treated as no credentials",
                scheme.name(),
                offered.join(", ")
            ),
        ));
    }
    scheme.read(token, &leg)
}

/// The `WWW-Authenticate: Negotiate <accept-completed>` a successful SPNEGO leg adds to its
/// answer, if `credentials` is one.
pub(crate) fn negotiate_header(credentials: &Result<Credentials, Refusal>) -> Option<String> {
    match credentials {
        Ok(credentials) => credentials.final_reply.clone(),
        Err(_) => None,
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
