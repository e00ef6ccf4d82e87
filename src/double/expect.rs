//! [`Expectation`]: the builder behind `server.expect(…)`. It borrows the double and registers
//! what it describes once a count is given.

use super::UmDouble;
use crate::domain::expect::Times;
use crate::vocab::Operation;

/// An expectation being described; it takes effect when a count is given (`times`,
/// `at_least`, `at_most`, `never`). Made by [`UmDouble::expect`](crate::UmDouble::expect).
///
/// ```
/// use exchange_um_mock::{Operation, UmMockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let server = UmMockServer::start().await;
/// server.expect(Operation::ResetPin).for_mailbox("bob@contoso.com").never();
///
/// // Act: nothing calls the server.
///
/// // Assert: dropping the server checks the expectation (and it holds).
/// drop(server);
/// # }
/// ```
#[derive(Debug)]
#[must_use = "an expectation takes effect only once .times(), .at_least(), .at_most() or .never() is called"]
pub struct Expectation<'a> {
    double: &'a UmDouble,
    operation: Operation,
    mailbox: Option<String>,
}

impl<'a> Expectation<'a> {
    pub(crate) fn new(double: &'a UmDouble, operation: Operation) -> Self {
        Expectation {
            double,
            operation,
            mailbox: None,
        }
    }

    /// Count only requests whose caller authenticated as this mailbox (its SMTP address, any
    /// case). Without it, requests for every mailbox count.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// server.expect(Operation::ResetPin).for_mailbox("ALICE@contoso.com").times(1);
    ///
    /// // Act: carol's reset does not count for alice.
    /// reset_pin("alice").await.unwrap();
    /// reset_pin("carol").await.unwrap();
    ///
    /// // Assert
    /// server.verify();
    /// # }
    /// ```
    pub fn for_mailbox(mut self, address: impl Into<String>) -> Self {
        self.mailbox = Some(address.into());
        self
    }

    /// Expect this many matching requests: a number or a range (`1`, `1..=3`, `2..`).
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// server.expect(Operation::ResetPin).times(1..=3);
    ///
    /// // Act
    /// reset_pin("alice").await.unwrap();
    /// reset_pin("alice").await.unwrap();
    ///
    /// // Assert
    /// server.verify();
    /// # }
    /// ```
    pub fn times(self, times: impl Into<Times>) {
        let times = times.into();
        self.double
            .shared()
            .with(|w| w.expect(self.operation, self.mailbox, times));
    }

    /// Expect at least `count` matching requests.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// server.expect(Operation::ResetPin).for_mailbox("alice@contoso.com").at_least(1);
    ///
    /// // Act
    /// reset_pin("alice").await.unwrap();
    ///
    /// // Assert
    /// server.verify();
    /// # }
    /// ```
    pub fn at_least(self, count: u64) {
        self.times(count..)
    }

    /// Expect at most `count` matching requests.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// server.expect(Operation::ResetPin).at_most(1);
    ///
    /// // Act: no request at all.
    ///
    /// // Assert: zero is at most one.
    /// server.verify();
    /// # }
    /// ```
    pub fn at_most(self, count: u64) {
        self.times(..=count)
    }

    /// Expect no matching request at all.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// server.expect(Operation::ResetPin).for_mailbox("bob@contoso.com").never();
    ///
    /// // Act: bob is refused (not UM-enabled), but he did call.
    /// reset_pin("bob").await.unwrap();
    /// let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
    ///
    /// // Assert
    /// assert!(verified.is_err());
    /// server.reset(); // forget the expectation before the server is dropped
    /// # }
    /// ```
    pub fn never(self) {
        self.times(0)
    }
}
