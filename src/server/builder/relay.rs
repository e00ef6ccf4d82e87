//! The builder's SMTP relay settings (`--smtp-relay`, `--smtp-relay-ca`).

use std::time::Duration;

use super::UmMockServerBuilder;
use crate::server::relay::RelaySettings;

impl UmMockServerBuilder {
    /// Also deliver every captured email by SMTP to `url`: `smtp://[USER:PASSWORD@]HOST:PORT`
    /// (STARTTLS when the server offers it) or `smtps://…` (TLS from the first byte), as
    /// `--smtp-relay` does. Point it at Mailpit, smtp4dev or a test mailbox. The envelope
    /// sender is the address in the email's `from`, the recipient its `to`, the message the
    /// bytes of `GET /__admin/emails/{id}/raw`. No request waits for it: a failed try is made
    /// again after 1 s, 3 s and 9 s (4 tries at most, none later than 30 s after the capture),
    /// and [`Email::relay`](crate::Email::relay) says how it went. Starting fails
    /// ([`ErrorKind::Relay`](crate::ErrorKind::Relay)) if the URL cannot be read.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let error = UmMockServer::builder().smtp_relay("mail.example.org:25").start().await.unwrap_err();
    ///
    /// // Assert
    /// assert_eq!(error.kind(), ErrorKind::Relay);
    /// assert!(error.to_string().contains("smtp://"));
    /// # }
    /// ```
    pub fn smtp_relay(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        match &mut self.relay {
            Some(relay) => relay.url = url,
            None => self.relay = Some(RelaySettings::new(url)),
        }
        self
    }

    /// Trust these CA certificates (PEM text or bytes) for the relay's TLS, besides the
    /// built-in roots (`--smtp-relay-ca`): for a test mail server with its own CA. Only used
    /// with [`smtp_relay`](Self::smtp_relay).
    pub fn smtp_relay_ca(mut self, ca_pem: impl AsRef<[u8]>) -> Self {
        self.relay
            .get_or_insert_with(|| RelaySettings::new(String::new()))
            .ca_pem = Some(ca_pem.as_ref().to_vec());
        self
    }

    /// Trust the CA certificates in the PEM file at `path` for the relay's TLS, as
    /// `--smtp-relay-ca` does; the file is read at start (a regular file of at most 16 MiB,
    /// else starting fails with [`ErrorKind::Relay`](crate::ErrorKind::Relay)).
    pub fn smtp_relay_ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.relay
            .get_or_insert_with(|| RelaySettings::new(String::new()))
            .ca_file = Some(path.into());
        self
    }

    /// The wait after the first failed try (the later ones are 3 and 9 times as long);
    /// 1 s by default. For tests of the give-up, which should not take 13 s.
    #[doc(hidden)]
    pub fn smtp_relay_backoff(mut self, first: Duration) -> Self {
        self.relay
            .get_or_insert_with(|| RelaySettings::new(String::new()))
            .schedule = crate::server::relay::Schedule::from_backoff(first);
        self
    }
}
