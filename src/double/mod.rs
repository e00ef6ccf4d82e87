//! [`UmDouble`]: typed access to one double's state (captured emails, journal, mailboxes,
//! scenarios, expectations). [`UmMockServer`](crate::UmMockServer) and, with the `wiremock`
//! feature, `UmResponder` both dereference to it, so the accessors exist once.

use std::collections::HashMap;
use std::sync::Mutex;

pub(crate) mod expect;
mod phone;
#[cfg(feature = "wiremock")]
pub(crate) mod responder;
pub(crate) mod settings;
mod wait;

use self::expect::Expectation;
use crate::domain::journal::RecordedRequest;
use crate::domain::mail::{Email, EmailFilter};
use crate::domain::mailbox::{MailboxPatch, MailboxState};
use crate::domain::outcomes::Scenario;
use crate::error::Error;
use crate::state::{NotAdded, Shared};
use crate::vocab::Operation;

/// What a double has seen and captured, and how it is scripted; phone logons, PIN changes and
/// its clock too. You get one by dereferencing a
/// [`UmMockServer`](crate::UmMockServer) (or a `UmResponder`): call these methods on the
/// server itself.
///
/// ```
/// use exchange_um_mock::UmMockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let server = UmMockServer::start().await;
///
/// // Act: nothing has called it yet.
///
/// // Assert: `server.emails()` is `UmDouble::emails`.
/// assert!(server.emails().is_empty());
/// assert!(server.requests().is_empty());
/// # }
/// ```
#[derive(Debug)]
pub struct UmDouble {
    shared: Shared,
    /// Where [`UmDouble::wait_for_email`] waits: the server's own runtime, so the caller's
    /// runtime (or none) does not matter; `None` (a wiremock responder) waits on the caller's.
    waits_on: Option<tokio::runtime::Handle>,
    /// Per recipient (lowercase), the id of the newest email `wait_for_email` handed out, so
    /// the next call hands out the next one. A std mutex: held only to read or bump a number.
    handed_out: Mutex<HashMap<String, u64>>,
}

impl UmDouble {
    pub(crate) fn new(shared: Shared, waits_on: Option<tokio::runtime::Handle>) -> Self {
        UmDouble {
            shared,
            waits_on,
            handed_out: Mutex::new(HashMap::new()),
        }
    }

    /// The runtime [`UmDouble::wait_for_email`] waits on, if not the caller's.
    pub(crate) fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.waits_on.clone()
    }

    /// The state the accessors read (and a responder answers on).
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Every captured email, oldest first.
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: `server` is a UmMockServer; `reset_pin(user)` POSTs a ResetPIN envelope.
    /// // Act
    /// reset_pin("alice").await.unwrap();
    /// reset_pin("carol").await.unwrap();
    ///
    /// // Assert
    /// let to: Vec<String> = server.emails().into_iter().map(|e| e.to).collect();
    /// assert_eq!(to, ["alice@contoso.com", "carol@contoso.com"]);
    /// # }
    /// ```
    pub fn emails(&self) -> Vec<Email> {
        self.shared.with(|w| w.all_emails())
    }

    /// The captured emails sent to `address` (any case), oldest first.
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: `server` is a UmMockServer; `reset_pin(user)` POSTs a ResetPIN envelope.
    /// // Act
    /// reset_pin("alice").await.unwrap();
    /// reset_pin("carol").await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(server.emails_to("Alice@Contoso.com").len(), 1);
    /// # }
    /// ```
    pub fn emails_to(&self, address: &str) -> Vec<Email> {
        let filter = EmailFilter {
            to: Some(address.to_string()),
            ..EmailFilter::default()
        };
        self.shared.with(|w| w.emails(&filter).1)
    }

    /// The request journal, oldest first: every request, what it was answered and why.
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: `server` is a UmMockServer; `reset_pin(user)` POSTs a ResetPIN envelope.
    /// // Act: a logon no mailbox has.
    /// reset_pin("CONTOSO\\alic").await.unwrap();
    ///
    /// // Assert: the journal says why it was refused.
    /// let request = &server.requests()[0];
    /// assert_eq!(request.status, Some(401));
    /// assert_eq!(request.reason.as_deref(), Some("no mailbox has logon 'CONTOSO\\alic'"));
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.with(|w| w.all_requests())
    }

    /// The state of the mailbox with this SMTP address (any case).
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let bob = server.mailbox("BOB@contoso.com");
    ///
    /// // Assert
    /// assert!(!bob.unwrap().um_enabled);
    /// assert!(server.mailbox("nobody@contoso.com").is_none());
    /// # }
    /// ```
    pub fn mailbox(&self, address: &str) -> Option<MailboxState> {
        self.shared.with(|w| w.mailbox(address))
    }

    /// Every mailbox, in fixture order.
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let mailboxes = server.mailboxes();
    ///
    /// // Assert
    /// assert_eq!(mailboxes[0].smtp_address, "alice@contoso.com");
    /// # }
    /// ```
    pub fn mailboxes(&self) -> Vec<MailboxState> {
        self.shared.with(|w| w.mailboxes())
    }

    /// Changes a mailbox at run time, checked like a fixture. An error of kind
    /// [`ErrorKind::NoMailbox`](crate::ErrorKind::NoMailbox) if there is no such mailbox, or
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) with every problem, each at its path
    /// (`properties.voice_mail_greeting`), and then nothing changed.
    ///
    /// ```
    /// # use exchange_um_mock::{ErrorKind, MailboxPatch, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let mut patch = MailboxPatch::default();
    /// patch.um_enabled = Some(false);
    /// let alice = server.update_mailbox("alice@contoso.com", patch).unwrap();
    ///
    /// // Assert
    /// assert!(!alice.um_enabled);
    /// let nobody = server.update_mailbox("nobody@contoso.com", MailboxPatch::default());
    /// assert_eq!(nobody.unwrap_err().kind(), ErrorKind::NoMailbox);
    /// # }
    /// ```
    pub fn update_mailbox(
        &self,
        address: &str,
        patch: MailboxPatch,
    ) -> Result<MailboxState, Error> {
        self.shared
            .with(|w| w.update_mailbox(address, patch))
            .map_err(|problems| Error::invalid("the mailbox was not changed", problems))?
            .ok_or_else(|| Error::no_mailbox(address))
    }

    /// Adds a scenario (the newest matching one decides); returns it as stored, with its id.
    /// An error of kind [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) lists every problem
    /// with it, each at its path (`outcomes[1].fixture`); one of kind
    /// [`ErrorKind::TooManyScenarios`](crate::ErrorKind::TooManyScenarios) says to remove some
    /// first.
    ///
    /// ```
    /// # use exchange_um_mock::{Outcome, Scenario, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: alice's next ResetPIN meets a busy server.
    /// server
    ///     .add_scenario(Scenario::new("alice@contoso.com", "ResetPIN").outcome(Outcome::fixture("ResetPIN/server-busy")))
    ///     .unwrap();
    ///
    /// // Act
    /// let first = reset_pin("alice").await.unwrap().status();
    /// let second = reset_pin("alice").await.unwrap().status();
    ///
    /// // Assert: busy once, then the double answers by itself again.
    /// assert_eq!((first.as_u16(), second.as_u16()), (500, 200));
    /// # }
    /// ```
    pub fn add_scenario(&self, scenario: Scenario) -> Result<Scenario, Error> {
        self.shared
            .with(|w| w.add_scenario(scenario))
            .map_err(|refused| match refused {
                NotAdded::Problems(problems) => {
                    Error::invalid("the scenario was not added", problems)
                }
                NotAdded::TooLarge(..) => Error::invalid(
                    "the scenario was not added",
                    vec![crate::error::Problem::at("outcomes", refused.message())],
                ),
                NotAdded::Full | NotAdded::OverBudget => {
                    Error::too_many_scenarios(refused.message())
                }
            })
    }

    /// The scenarios in force, newest first.
    ///
    /// ```
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let scenarios = server.scenarios();
    ///
    /// // Assert: the default fixtures script dave's first ResetPIN.
    /// assert_eq!(scenarios[0].mailbox, "dave@contoso.com");
    /// # }
    /// ```
    pub fn scenarios(&self) -> Vec<Scenario> {
        self.shared.with(|w| w.scenarios())
    }

    /// Back to the fixtures as loaded: real time, mailboxes, scenarios, emails, journal, and no
    /// expectations. Ids keep counting.
    ///
    /// ```
    /// # use exchange_um_mock::{MailboxPatch, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// let mut patch = MailboxPatch::default();
    /// patch.um_enabled = Some(false);
    /// server.update_mailbox("alice@contoso.com", patch).unwrap();
    ///
    /// // Act
    /// server.reset();
    ///
    /// // Assert
    /// assert!(server.mailbox("alice@contoso.com").unwrap().um_enabled);
    /// # }
    /// ```
    pub fn reset(&self) {
        self.shared.with(|w| w.reset());
    }

    /// Starts an expectation on requests for `operation`, checked when the server is dropped
    /// and by [`UmDouble::verify`]. Finish it with a count: `.times(1)`, `.times(1..=3)`,
    /// `.at_least(1)`, `.at_most(2)`, `.never()`; narrow it first with `.for_mailbox(…)`.
    /// Requests from then on count, whatever they were answered (a fault counts too); the
    /// report of an unmet expectation lists the requests with their answers and reasons.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let server = UmMockServer::start().await;
    /// # let reset_pin = |user: &'static str| reqwest::Client::new().post(server.service_url()).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange
    /// server.expect(Operation::ResetPin).for_mailbox("alice@contoso.com").times(1);
    /// server.expect(Operation::ResetPin).for_mailbox("bob@contoso.com").never();
    ///
    /// // Act
    /// reset_pin("alice").await.unwrap();
    ///
    /// // Assert: verified here, and again when `server` is dropped.
    /// server.verify();
    /// # }
    /// ```
    pub fn expect(&self, operation: Operation) -> Expectation<'_> {
        Expectation::new(self, operation)
    }

    /// Checks every expectation now.
    ///
    /// # Panics
    /// If any expectation is not met, with a report: for each, what was expected, how many
    /// requests matched, and the requests for that mailbox with their operation, status,
    /// outcome and reason.
    ///
    /// ```
    /// # use exchange_um_mock::{Operation, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// server.expect(Operation::ResetPin).for_mailbox("alice@contoso.com").at_least(1);
    ///
    /// // Act: the client never calls.
    /// let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
    ///
    /// // Assert
    /// assert!(verified.is_err());
    /// server.reset(); // forgets the expectation, so dropping `server` does not panic
    /// # }
    /// ```
    pub fn verify(&self) {
        if let Some(report) = self.unmet_report() {
            panic!("{report}");
        }
    }

    /// Checks the expectations unless the thread is already panicking (a second panic in a
    /// drop would abort the test binary and hide the first one).
    pub(crate) fn verify_on_drop(&self) {
        if std::thread::panicking() {
            return;
        }
        self.verify();
    }

    fn unmet_report(&self) -> Option<String> {
        self.shared.with(|w| w.unmet_expectations())
    }
}
