//! [`UmDouble::wait_for_email`]: the next email to an address, handed out once.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::UmDouble;
use crate::domain::mail::{Email, EmailFilter};
use crate::error::Error;

impl UmDouble {
    /// The next email to `address` (any case) that this method has not handed out yet, oldest
    /// first, waiting up to `timeout` for it to be captured. So after each PIN reset a test
    /// gets that reset's email, whether it arrived before the call or (scripted with
    /// `mail_delay_ms`) after it. Woken by the mail store, never by polling.
    ///
    /// It waits on the server's own runtime, so it works under either Tokio flavour and under
    /// `futures::executor::block_on` in a plain `#[test]`. (On a `UmResponder` it waits on
    /// the caller's Tokio runtime, which wiremock needs anyway.)
    ///
    /// An error of kind [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) if none came in
    /// time, [`ErrorKind::Stopped`](crate::ErrorKind::Stopped) if the server stopped first.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: `server` is a UmMockServer; `reset_pin(user)` POSTs a ResetPIN envelope.
    /// // Act: two resets.
    /// reset_pin("alice").await.unwrap();
    /// reset_pin("alice").await.unwrap();
    ///
    /// // Assert: one email each, in order; the second one's PIN is the current PIN.
    /// let first = server.wait_for_email("alice@contoso.com", Duration::from_secs(5)).await.unwrap();
    /// let second = server.wait_for_email("alice@contoso.com", Duration::from_secs(5)).await.unwrap();
    /// assert!(first.id < second.id);
    /// assert_eq!(Some(second.pin), server.mailbox("alice@contoso.com").unwrap().pin);
    /// # }
    /// ```
    pub async fn wait_for_email(&self, address: &str, timeout: Duration) -> Result<Email, Error> {
        let key = address.to_ascii_lowercase();
        let started = Instant::now();
        loop {
            let waited = started.elapsed();
            let left = timeout.saturating_sub(waited);
            let after = self.handed_out_to(&key);
            let email = self
                .next_email(&key, after, left)
                .await?
                .ok_or_else(|| Error::timeout(address, timeout))?;
            // Claim it: another waiter for the same address may have taken it meanwhile, and
            // then this one waits for the next.
            let mut handed_out = self
                .handed_out
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let newest = handed_out.entry(key.clone()).or_insert(0);
            if *newest < email.id {
                *newest = email.id;
                return Ok(email);
            }
        }
    }

    /// The id of the newest email handed out to `key`.
    fn handed_out_to(&self, key: &str) -> u64 {
        self.handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// The first email to `key` after `after`, waiting up to `wait` for it.
    async fn next_email(
        &self,
        key: &str,
        after: u64,
        wait: Duration,
    ) -> Result<Option<Email>, Error> {
        let filter = EmailFilter {
            to: Some(key.to_string()),
            after_id: Some(after),
            limit: Some(1),
            ..EmailFilter::default()
        };
        let timeout = wait;
        let found = match &self.waits_on {
            Some(runtime) => {
                let shared = self.shared.clone();
                let (tx, rx) = oneshot::channel();
                runtime.spawn(async move {
                    let (_, emails, _) = shared
                        .wait_for_emails(&filter, timeout, std::future::pending())
                        .await;
                    let _ = tx.send(emails.into_iter().next());
                });
                // The sender is dropped unanswered only if the server's runtime shut down.
                rx.await.map_err(|_| Error::stopped())?
            }
            None => {
                let (_, emails, _) = self
                    .shared
                    .wait_for_emails(&filter, timeout, std::future::pending())
                    .await;
                emails.into_iter().next()
            }
        };
        Ok(found)
    }
}
