//! The admin API's route table: each path pattern and the methods it takes. The router reads
//! it to tell 404 from 405 (and to fill `Allow`), and the OpenAPI description is checked
//! against it, so a route cannot be answered without being described or the other way round.

/// `(pattern, methods)`: a `{name}` segment matches any one segment; the first pattern that
/// matches a path decides, so literal segments come before a `{name}` in the same place.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("/health", "GET"),
    ("/info", "GET"),
    ("/events", "GET"),
    ("/emails", "GET, DELETE"),
    ("/emails/latest", "GET"),
    ("/emails/{id}", "GET"),
    ("/emails/{id}/raw", "GET"),
    ("/emails/{id}/html", "GET"),
    ("/requests", "GET, DELETE"),
    ("/calls", "GET"),
    ("/mailboxes", "GET"),
    ("/mailboxes/{address}", "GET, PATCH"),
    ("/mailboxes/{address}/logon", "POST"),
    ("/mailboxes/{address}/pin", "POST"),
    ("/clock", "GET, POST, DELETE"),
    ("/scenarios", "GET, POST, DELETE"),
    ("/scenarios/{id}", "DELETE"),
    ("/reset", "POST"),
    ("/reload", "POST"),
    ("/ca.pem", "GET"),
    ("/schema/mock.json", "GET"),
    ("/openapi.json", "GET"),
];

/// The methods a known admin path (below `/__admin`, split into decoded segments) takes,
/// `None` for an unknown path.
pub(super) fn allowed_methods(segments: &[&str]) -> Option<&'static str> {
    ROUTES
        .iter()
        .find(|(pattern, _)| matches(pattern, segments))
        .map(|(_, methods)| *methods)
}

fn matches(pattern: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(part, segment)| part.starts_with('{') || part == segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_over_parameters_and_unknown_paths_have_no_methods() {
        assert_eq!(allowed_methods(&["emails", "latest"]), Some("GET"));
        assert_eq!(allowed_methods(&["scenarios", "7"]), Some("DELETE"));
        assert_eq!(allowed_methods(&["mailboxes", "a@x", "pin"]), Some("POST"));
        assert_eq!(allowed_methods(&["schema", "other.json"]), None);
        assert_eq!(allowed_methods(&[]), None);
    }
}
