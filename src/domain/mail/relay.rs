//! How the delivery of one captured email to the SMTP relay (`--smtp-relay`) stands: the
//! `relay` object of the email JSON. The delivery itself is the server's (`server/relay/`);
//! this is only its state, kept with the email so every read and every `email` event shows it.

use serde::{Deserialize, Serialize};

/// Where a delivery is: still being tried, accepted by the relay, or given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RelayState {
    /// Queued, being tried, or waiting to be tried again.
    Pending,
    /// The relay accepted the message (a 2xx answer to the end of `DATA`).
    Sent,
    /// Given up: 4 tries failed, the last allowed start (30 s after the capture) passed, or
    /// the delivery could not be queued (too many pending).
    Failed,
}

/// The delivery of an email to the SMTP relay, as `"relay"` in the email JSON shows it.
///
/// ```
/// use exchange_um_mock::{RelayState, UmMockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange: a server without a relay.
/// let server = UmMockServer::start().await;
///
/// // Act
/// let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
/// reqwest::Client::new().post(server.service_url()).basic_auth("alice@contoso.com", Some("pw"))
///     .header("Content-Type", "text/xml; charset=utf-8").body(envelope).send().await.unwrap();
///
/// // Assert: nothing is relayed, so there is no delivery to describe.
/// let email = server.emails().pop().unwrap();
/// assert_eq!(email.relay, None);
/// # let _ = RelayState::Sent;
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct RelayStatus {
    /// `pending`, `sent` or `failed`.
    pub status: RelayState,
    /// How many tries have been made so far (0 before the first has finished).
    pub attempts: u32,
    /// Why the last failed try failed (the relay's answer, or the network error); `None` as
    /// long as no try has failed. It stays after a later try succeeds, so a `sent` delivery
    /// can still say what went wrong before.
    pub error: Option<String>,
}

impl RelayStatus {
    /// A delivery queued and not tried yet.
    pub(crate) fn pending() -> Self {
        RelayStatus {
            status: RelayState::Pending,
            attempts: 0,
            error: None,
        }
    }

    #[cfg(feature = "smtp")]
    /// A delivery given up without a try, for `reason`.
    pub(crate) fn refused(reason: String) -> Self {
        RelayStatus {
            status: RelayState::Failed,
            attempts: 0,
            error: Some(reason),
        }
    }
}
