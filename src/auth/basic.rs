//! HTTP Basic: `Authorization: Basic base64(user:password)`, checked against the mailbox's
//! password when it sets one.

use base64::Engine as _;

use super::{AuthScheme, Channel, Credentials, Leg, Refusal};

/// The fixture and journal word.
pub(super) const NAME: &str = "basic";
/// The header word.
pub(super) const WORD: &str = "Basic";

/// The `WWW-Authenticate` line: the realm is the double's name.
pub(super) fn challenge(_channel: &Channel) -> String {
    format!("{WORD} realm=\"exchange-um-mock\"")
}

/// The credentials of a Basic token, or why it is malformed.
pub(super) fn read(token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
    decode(token).map_err(|reason| leg.refuse(Some(AuthScheme::Basic), reason))
}

fn decode(token: &str) -> Result<Credentials, String> {
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

/// The password given against the one the mailbox sets.
pub(super) fn check(expected: &str, given: &str) -> Result<(), String> {
    if expected == given {
        Ok(())
    } else {
        Err("wrong password".into())
    }
}
