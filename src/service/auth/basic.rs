//! HTTP Basic: `Authorization: Basic base64(user:password)`.

use base64::Engine as _;

use crate::state::{Credentials, Refusal};
use crate::vocab::wire::WireRequest;

/// The caller's credentials from `request`, or why there are none (with the 401 to answer).
pub(crate) fn credentials(request: &WireRequest) -> Result<Credentials, Refusal> {
    let refuse = |reason: &str| Refusal {
        user: None,
        reason: reason.to_string(),
        response: crate::state::unauthorized(),
    };
    let Some(header) = request.header("authorization") else {
        return Err(refuse("no Authorization header"));
    };
    let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if !scheme.eq_ignore_ascii_case("Basic") && credentials.trim().is_empty() {
        // One bare token: it may be the credentials themselves, so it is not repeated here.
        return Err(refuse(
            "malformed Authorization header (expected 'Basic <credentials>')",
        ));
    }
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(refuse(&format!(
            "unsupported authentication scheme '{scheme}' (Basic only)"
        )));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Err(refuse(
            "malformed Basic credentials (not base64 of UTF-8 'user:password')",
        ));
    };
    let Some((user, password)) = decoded.split_once(':') else {
        return Err(refuse(
            "malformed Basic credentials (no ':' between user and password)",
        ));
    };
    Ok(Credentials {
        user: user.to_string(),
        password: password.to_string(),
    })
}
