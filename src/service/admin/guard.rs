//! Who may use the admin API: the bearer token (`--admin-token`) and the refusal of changing
//! requests sent by a web page of another site.

use crate::state::Shared;
use crate::vocab::wire::{host_without_port, WireRequest, WireResponse};

/// DNS rebinding: a 403 for a request a browser sent (it carries `Origin` or a `Sec-Fetch-*` header) under a
/// `Host` that is not a name of this server. A page on `evil.example` whose name the attacker
/// then points at 127.0.0.1 (DNS rebinding) is same-origin with itself, so the cross-site check
/// cannot see it; only the Host tells: the browser sends the page's own name. IP literals,
/// `localhost` names, `server.fqdn` and the `--admin-host` names cannot be rebound by a
/// stranger, and clients that are not browsers (curl, test code, containers calling each other
/// by service name) send none of these headers and pass.
pub(super) fn host(shared: &Shared, request: &WireRequest) -> Option<WireResponse> {
    let from_browser = request.headers.iter().any(|(name, _)| {
        name.eq_ignore_ascii_case("origin")
            || name
                .get(..10)
                .is_some_and(|start| start.eq_ignore_ascii_case("sec-fetch-"))
    });
    if !from_browser {
        return None;
    }
    let host = request.header("host").map_or("", str::trim);
    let name = host_name(host);
    let config = shared.config();
    if is_own_name(name, &shared.fixtures().fqdn, &config.admin_hosts) {
        return None;
    }
    Some(WireResponse::json_error(
        403,
        format!(
            "refused a browser request for Host '{host}': a web page under a name this server does not know could be a DNS rebinding attack. Use an IP address, localhost or the fixtures' server.fqdn, or start the server with --admin-host {} (EXUM_ADMIN_HOST) to allow that name",
            if name.is_empty() { "NAME" } else { name }
        ),
    ))
}

/// The host of a `Host` header value: without the port, without a DNS root dot, and the
/// address alone for a bracketed IPv6 literal.
fn host_name(host: &str) -> &str {
    let name = host_without_port(host);
    name.strip_suffix('.').unwrap_or(name)
}

/// True for the names a stranger's page cannot take over: IP literals, `localhost` and its
/// subdomains (resolved to loopback by browsers themselves, RFC 6761), the fixtures' FQDN and
/// the names allowed with `--admin-host`. A bare IPv6 address is not a valid `Host` (it needs
/// brackets), but it cannot be rebound either.
fn is_own_name(name: &str, fqdn: &str, allowed: &[String]) -> bool {
    if name.is_empty() {
        return false;
    }
    let same = |other: &str| {
        let other = other.trim();
        name.eq_ignore_ascii_case(other.strip_suffix('.').unwrap_or(other))
    };
    let lower = name.to_ascii_lowercase();
    name.parse::<std::net::IpAddr>().is_ok()
        || lower == "localhost"
        || lower.ends_with(".localhost")
        || same(fqdn)
        || allowed.iter().any(|a| same(a))
}

/// A 403 for a changing request (`POST`, `PATCH`, `DELETE`, `PUT`) that a browser sent from
/// another site: its `Origin` is not this server's, or `Sec-Fetch-Site` says `cross-site`. A
/// request without those headers (curl, test clients) passes: only browsers send them, and a
/// browser cannot leave them out.
pub(super) fn cross_site(request: &WireRequest) -> Option<WireResponse> {
    if !matches!(request.method.as_str(), "POST" | "PATCH" | "DELETE" | "PUT") {
        return None;
    }
    let fetch_site = request.header("sec-fetch-site").map(str::trim);
    if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Some(WireResponse::json_error(
            403,
            "refused a cross-site admin request (Sec-Fetch-Site: cross-site): another site's page cannot change this double",
        ));
    }
    let origin = request.header("origin")?.trim();
    let own = request
        .header("host")
        .map(|host| format!("{}://{}", request.scheme, host.trim()));
    if own.is_some_and(|own| own.eq_ignore_ascii_case(origin)) {
        return None;
    }
    Some(WireResponse::json_error(
        403,
        format!(
            "refused a cross-site admin request: Origin '{origin}' is not this server's ({}://{})",
            request.scheme,
            request.header("host").unwrap_or("no Host header")
        ),
    ))
}

/// A 401 unless the request carries the admin token (when one is set): as
/// `Authorization: Bearer T`, or as `?token=T` on a `GET` (or a `HEAD`, the same `GET` without its body), which a browser makes by itself
/// without a way to add a header (the event stream for `EventSource`, an email's HTML for an
/// `<iframe>`, the web inbox's links to the JSON behind each view). A request that changes
/// something needs the header.
pub(super) fn token(shared: &Shared, request: &WireRequest) -> Option<WireResponse> {
    let token = shared.config().admin_token.as_ref()?;
    // The scheme is case-insensitive (RFC 9110, as for every auth scheme); the token is compared exactly.
    let presented = request
        .header("authorization")
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, credentials)| credentials.trim().to_string());
    let in_query = matches!(request.method.as_str(), "GET" | "HEAD")
        .then(|| {
            request
                .query_pairs()
                .into_iter()
                .rev()
                .find(|(name, _)| name == "token")
                .map(|(_, value)| value)
        })
        .flatten();
    let presented = presented.or(in_query);
    if presented.as_deref() == Some(token.as_str()) {
        return None;
    }
    Some(
        WireResponse::json_error(
            401,
            "this server needs 'Authorization: Bearer <admin token>' on admin requests",
        )
        .with_header(
            "WWW-Authenticate",
            "Bearer realm=\"exchange-um-mock admin\"",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_name_is_read_without_port_root_dot_or_brackets() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("[::1]"), "::1");
        assert_eq!(host_name("Evil.Example.:80"), "Evil.Example");
        assert_eq!(host_name("um01"), "um01");
    }

    #[test]
    fn only_names_a_stranger_cannot_rebind_are_the_servers_own() {
        let allowed = ["mock.internal".to_string()];
        let own = |name: &str| is_own_name(name, "um01.contoso.com.", &allowed);
        for name in [
            "127.0.0.1",
            "10.1.2.3",
            "::1",
            "localhost",
            "LOCALHOST",
            "app.localhost",
            "UM01.contoso.com",
            "mock.internal",
        ] {
            assert!(own(name), "{name} should be allowed");
        }
        for name in [
            "",
            "rebind.evil.example",
            "localhost.evil.example",
            "evillocalhost",
            "contoso.com",
            "127.0.0.1.nip.io",
        ] {
            assert!(!own(name), "{name} should be refused");
        }
    }
}
