//! A tiny helpdesk PIN-reset client, the kind of code exchange-um-mock exists to test: it POSTs
//! `ResetPIN` to an Exchange UM endpoint as the user, with Basic auth, and turns every way it
//! can fail into a [`ResetPinError`] a helpdesk page can show.
//!
//! `cargo run --example pin_reset_client` runs it against an in-process [`UmMockServer`];
//! `tests/it/library.rs` tests it the same way.

use std::time::Duration;

use exchange_um_mock::UmMockServer;

/// The ResetPIN request: no parameters, the caller's own mailbox is reset.
const RESET_PIN_ENVELOPE: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
    r#"<soap:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></soap:Body>"#,
    r#"</soap:Envelope>"#
);

/// Why a PIN reset did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ResetPinError {
    /// The server refused the credentials (HTTP 401).
    #[error("the user name or password is wrong")]
    Unauthorized,
    /// The mailbox is not enabled for Unified Messaging.
    #[error("this mailbox has no voice mail (not UM-enabled)")]
    NotUmEnabled,
    /// Exchange is busy; try again after `retry_after`.
    #[error("Exchange is busy; try again in {} s", retry_after.as_secs())]
    ServerBusy {
        /// Exchange's `BackOffMilliseconds`, or 5 s if it sent none.
        retry_after: Duration,
    },
    /// Any other SOAP fault.
    #[error("Exchange refused: {code}: {message}")]
    Fault {
        /// The fault code without its prefix (`ErrorInvalidRequest`).
        code: String,
        /// The fault string.
        message: String,
    },
    /// An HTTP error that is not a SOAP fault (a proxy's 503, an IIS error page).
    #[error("unexpected HTTP {status} from the server")]
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// The request did not get an HTTP answer (refused, reset, timed out).
    #[error("could not reach Exchange: {0}")]
    Transport(#[from] reqwest::Error),
}

/// Resets `user`'s UM PIN through the UM web service at `endpoint`
/// (`https://mail.contoso.com/EWS/UM2007Legacy.asmx`). The new PIN goes to the user by email.
pub async fn reset_pin(
    client: &reqwest::Client,
    endpoint: &str,
    user: &str,
    password: &str,
) -> Result<(), ResetPinError> {
    let response = client
        .post(endpoint)
        .basic_auth(user, Some(password))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header(
            "SOAPAction",
            "\"http://schemas.microsoft.com/exchange/services/2006/messages/ResetPIN\"",
        )
        .body(RESET_PIN_ENVELOPE)
        .send()
        .await?;
    let status = response.status().as_u16();
    let body = response.text().await?;
    match status {
        200 => Ok(()),
        401 => Err(ResetPinError::Unauthorized),
        500 if body.contains("Fault>") => Err(fault(&body)),
        _ => Err(ResetPinError::Http { status }),
    }
}

/// Reads a SOAP fault well enough for a helpdesk: its code (prefix dropped), its string and
/// Exchange's back-off hint.
fn fault(body: &str) -> ResetPinError {
    let code = text_of(body, "faultcode").unwrap_or_default();
    let code = code.rsplit(':').next().unwrap_or_default().to_string();
    match code.as_str() {
        "UserNotUmEnabledException" => ResetPinError::NotUmEnabled,
        "ErrorServerBusy" => {
            let ms = text_of(body, "BackOffMilliseconds")
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(5000);
            ResetPinError::ServerBusy {
                retry_after: Duration::from_millis(ms),
            }
        }
        _ => ResetPinError::Fault {
            code,
            message: text_of(body, "faultstring").unwrap_or_default(),
        },
    }
}

/// The text of the first element whose local name is `name`, prefixed or not.
fn text_of(xml: &str, name: &str) -> Option<String> {
    let start = xml.match_indices('<').find_map(|(at, _)| {
        let tag = &xml[at + 1..];
        let local = tag.split([' ', '>', '/']).next()?.rsplit(':').next()?;
        if local != name {
            return None;
        }
        Some(at + 1 + tag.find('>')? + 1)
    })?;
    let end = start + xml[start..].find("</")?;
    Some(xml[start..end].trim().to_string())
}

/// Resets four users' PINs against an in-process double, as a helpdesk page would: what the
/// page shows for each user, then the emails the double captured.
pub async fn demo() -> Vec<String> {
    let server = UmMockServer::start().await;
    let client = reqwest::Client::new();
    let mut lines = Vec::new();
    for user in ["CONTOSO\\alice", "bob", "dave", "nobody"] {
        let password = if user == "dave" { "P@ssw0rd!" } else { "any" };
        lines.push(
            match reset_pin(&client, &server.service_url(), user, password).await {
                Ok(()) => format!("{user}: PIN reset; email sent"),
                Err(error) => format!("{user}: {error}"),
            },
        );
    }
    for email in server.emails() {
        lines.push(format!("captured: to {} PIN {}", email.to, email.pin));
    }
    lines
}

// tests/it/library.rs includes this file as a module and checks what `demo` returns; only the
// example program itself needs a `main`.
#[cfg(not(test))]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    for line in demo().await {
        println!("{line}");
    }
}
