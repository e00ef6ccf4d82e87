//! HTTP Basic: `Authorization: Basic base64(user:password)`.

use base64::Engine as _;

use crate::state::Credentials;

/// The credentials of a Basic token, or why it is malformed.
pub(super) fn decode(token: &str) -> Result<Credentials, String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Err("malformed Basic credentials (not base64 of UTF-8 'user:password')".into());
    };
    let Some((user, password)) = decoded.split_once(':') else {
        return Err("malformed Basic credentials (no ':' between user and password)".into());
    };
    Ok(Credentials::Basic {
        user: user.to_string(),
        password: password.to_string(),
    })
}
