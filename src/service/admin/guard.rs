//! Who may use the admin API: the bearer token (`--admin-token`) and the refusal of changing
//! requests sent by a web page of another site.

use crate::state::Shared;
use crate::vocab::wire::{WireRequest, WireResponse};

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
/// `Authorization: Bearer T`, or as `?token=T` on a `GET`, which a browser makes by itself
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
    let in_query = (request.method == "GET")
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
