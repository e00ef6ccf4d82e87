//! Who is calling: HTTP Basic credentials matched against mailbox addresses and logons.

use base64::Engine as _;

use crate::mailbox::Mailbox;
use crate::wire::WireResponse;

/// The challenge every 401 carries.
pub(crate) const CHALLENGE: &str = "Basic realm=\"exchange-um-mock\"";

/// IIS's 401 for missing or wrong credentials, with the challenge.
pub(crate) fn unauthorized() -> WireResponse {
    let body = "401 - Unauthorized: Access is denied due to invalid credentials.";
    WireResponse::new(401, "text/plain; charset=utf-8", body)
        .with_header("WWW-Authenticate", CHALLENGE)
}

/// A caller who could not be identified: the user name they gave (if any) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) user: Option<String>,
    pub(crate) reason: String,
}

/// The index of the caller's mailbox and the user name they gave, or why not.
pub(crate) fn authenticate(
    authorization: Option<&str>,
    mailboxes: &[Mailbox],
) -> Result<(usize, String), Refusal> {
    let refuse = |user: Option<&str>, reason: String| Refusal {
        user: user.map(str::to_string),
        reason,
    };
    let Some(header) = authorization else {
        return Err(refuse(None, "no Authorization header".into()));
    };
    let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if !scheme.eq_ignore_ascii_case("Basic") && credentials.trim().is_empty() {
        // One bare token: it may be the credentials themselves, so it is not repeated here.
        return Err(refuse(
            None,
            "malformed Authorization header (expected 'Basic <credentials>')".into(),
        ));
    }
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(refuse(
            None,
            format!("unsupported authentication scheme '{scheme}' (Basic only)"),
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Err(refuse(
            None,
            "malformed Basic credentials (not base64 of UTF-8 'user:password')".into(),
        ));
    };
    let Some((user, password)) = decoded.split_once(':') else {
        return Err(refuse(
            None,
            "malformed Basic credentials (no ':' between user and password)".into(),
        ));
    };
    let Some(index) = mailboxes.iter().position(|m| m.answers_to(user)) else {
        return Err(refuse(Some(user), format!("no mailbox has logon '{user}'")));
    };
    match &mailboxes[index].password {
        Some(expected) if expected != password => Err(refuse(
            Some(user),
            format!(
                "wrong password for '{}'",
                mailboxes[index].state.smtp_address
            ),
        )),
        _ => Ok((index, user.to_string())),
    }
}
