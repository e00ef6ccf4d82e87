//! HTTP Basic: `Authorization: Basic base64(user:password)`, the password compared with the
//! mailbox's when it sets one.

use std::sync::Arc;

use base64::Engine as _;

use super::{AuthScheme, Channel, Credentials, Leg, Lookup, Proof, Refusal, SchemeDef};

pub(super) const SCHEME: SchemeDef = SchemeDef {
    name: "basic",
    word: "Basic",
    challenge,
    read,
};

/// The `WWW-Authenticate` line: the realm is the double's name.
fn challenge(_channel: &Channel) -> String {
    "Basic realm=\"exchange-um-mock\"".to_string()
}

/// The credentials of a Basic token, or why it is malformed.
fn read(token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let refuse = |reason: &str| leg.refuse(Some(AuthScheme::BASIC), reason.into());
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
    Ok(Credentials::basic(user, password))
}

impl Credentials {
    /// The credentials of `Authorization: Basic` for `user` with `password`.
    pub(crate) fn basic(user: &str, password: &str) -> Credentials {
        Credentials {
            scheme: AuthScheme::BASIC,
            user: user.to_string(),
            lookup: Lookup::Name(user.to_string()),
            proof: Arc::new(Password(password.to_string())),
            final_reply: None,
        }
    }
}

/// The password given.
#[derive(Debug)]
struct Password(String);

impl Proof for Password {
    fn check(&self, password: &str, address: &str, _channel: &Channel) -> Result<(), String> {
        if self.0 == password {
            Ok(())
        } else {
            Err(format!("wrong password for '{address}'"))
        }
    }
}
