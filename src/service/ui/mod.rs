//! The web inbox: one static page, its stylesheet and its script, embedded in the
//! binary. No build step and no request to any other host; the page reads everything through
//! the admin API and `/__admin/events`, so it holds no data and needs no token to load.

use crate::vocab::wire::{WireRequest, WireResponse};

/// Where the page lives; `GET /` redirects here.
pub(crate) const PATH: &str = "/__admin/ui/";

/// The page may load its own script and stylesheet, talk to its own server and frame an
/// email's HTML from it; nothing else (no inline script, so captured text that slipped into
/// markup could not run).
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: [(&str, &str, &str); 4] = [
    ("", "text/html; charset=utf-8", include_str!("index.html")),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("app.js"),
    ),
    (
        "sessions.js",
        "text/javascript; charset=utf-8",
        include_str!("sessions.js"),
    ),
];

/// The paths of the page and its assets, as served.
pub(crate) fn asset_paths() -> impl Iterator<Item = (String, &'static str)> {
    ASSETS
        .iter()
        .map(|(name, content_type, _)| (format!("{PATH}{name}"), *content_type))
}

/// Answers `GET /__admin/ui/<rest>`; `rest` is the path after `ui`, split into segments.
pub(crate) fn serve(request: &WireRequest, rest: &[&str]) -> WireResponse {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return WireResponse::json_error(
            405,
            format!(
                "{} is not allowed on {} (allowed: GET)",
                request.method, request.path
            ),
        )
        .with_header("Allow", "GET");
    }
    // `/__admin/ui` without the slash would resolve the page's relative links one level up.
    if rest.is_empty() && !request.path.ends_with('/') {
        return WireResponse::empty(301)
            .with_header("Location", format!("{}{PATH}", request.prefix));
    }
    let name = rest.join("/");
    let Some((_, content_type, body)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return WireResponse::json_error(404, format!("no web inbox file at {}", request.path));
    };
    WireResponse::new(200, content_type, *body)
        .with_header("Cache-Control", "no-cache")
        .with_header("Content-Security-Policy", CSP)
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Referrer-Policy", "no-referrer")
}
