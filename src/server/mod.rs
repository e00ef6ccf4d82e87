//! The server handle ([`UmMockServer`]) and its builder. The server runs on its own thread and
//! Tokio runtime, so it works from any test (either Tokio flavour, another runtime, a plain
//! `#[test]`) and a client under test that blocks its own thread cannot starve it.

mod http;
mod router;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::endpoint::SERVICE_PATH_2010;
use crate::error::Error;
use crate::fixtures::FixtureSet;
use crate::journal::RecordedRequest;
use crate::mail::{Email, EmailFilter};
use crate::mailbox::{MailboxPatch, MailboxState};
use crate::outcomes::Scenario;
use crate::state::{Config, Shared};

/// A running exchange-um-mock: a UM web service on 127.0.0.1, plus typed access to what it
/// captured. Dropping it stops the server.
///
/// ```
/// use exchange_um_mock::UmMockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let server = UmMockServer::start().await;
///
/// // Act: a ResetPIN call, as a client app would make it.
/// let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
/// let status = reqwest::Client::new()
///     .post(server.service_url())
///     .basic_auth("alice@contoso.com", Some("any password"))
///     .header("Content-Type", "text/xml; charset=utf-8")
///     .body(envelope)
///     .send()
///     .await
///     .unwrap()
///     .status();
///
/// // Assert
/// assert_eq!(status, 200);
/// let email = server.wait_for_email("alice@contoso.com", std::time::Duration::from_secs(5)).await.unwrap();
/// assert_eq!(Some(&email.pin), server.mailbox("alice@contoso.com").unwrap().pin.as_ref());
/// # }
/// ```
#[derive(Debug)]
pub struct UmMockServer {
    shared: Shared,
    address: SocketAddr,
    runtime: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<oneshot::Receiver<()>>,
}

/// Configures a [`UmMockServer`] before it starts.
///
/// ```
/// use exchange_um_mock::UmMockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = UmMockServer::builder().seed(42).max_emails(100).start().await.unwrap();
/// assert!(server.uri().starts_with("http://127.0.0.1:"));
/// # }
/// ```
#[derive(Debug, Default)]
pub struct UmMockServerBuilder {
    fixtures: Option<FixtureSource>,
    config: Config,
    listener: Option<std::net::TcpListener>,
}

#[derive(Debug)]
enum FixtureSource {
    Dir(PathBuf),
    Set(FixtureSet),
}

/// Why [`UmMockServer::wait_for_email`] returned without an email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// No email to that address arrived in time.
    #[error("no email to {to} arrived within {waited:?}")]
    Timeout {
        /// The address waited for.
        to: String,
        /// How long it waited.
        waited: Duration,
    },
    /// The server stopped while waiting.
    #[error("the server stopped while waiting for an email")]
    Stopped,
}

impl UmMockServerBuilder {
    /// Serve the fixtures folder at `dir` instead of the embedded default set.
    pub fn fixtures_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = Some(FixtureSource::Dir(dir.into()));
        self
    }

    /// Serve this fixture set (built in memory, or read with [`FixtureSet::from_dir`]).
    pub fn fixtures(mut self, set: FixtureSet) -> Self {
        self.fixtures = Some(FixtureSource::Set(set));
        self
    }

    /// Make generated PINs reproducible: the same seed gives the same PINs run to run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }

    /// Serve on this listener instead of binding `127.0.0.1:0`.
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Largest request body accepted (default 1 MiB); larger ones get 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// Emails kept before the oldest is dropped (default 10,000).
    pub fn max_emails(mut self, count: usize) -> Self {
        self.config.max_emails = count;
        self
    }

    /// Journal entries kept before the oldest is dropped (default 10,000).
    pub fn max_requests(mut self, count: usize) -> Self {
        self.config.max_requests = count;
        self
    }

    /// Fault (`ErrorInvalidRequest`) when the `SOAPAction` header is missing or names another
    /// operation than the body, as an Exchange 2007 ASMX server would. Off by default: the
    /// 2010+ service dispatches on the body alone.
    pub fn strict_soap_action(mut self, strict: bool) -> Self {
        self.config.strict_soap_action = strict;
        self
    }

    /// Require `Authorization: Bearer <token>` on admin requests.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.admin_token = Some(token.into());
        self
    }

    fn prepare(self) -> Result<(Shared, std::net::TcpListener), Error> {
        let set = match self.fixtures {
            None => FixtureSet::embedded(),
            Some(FixtureSource::Set(set)) => set,
            Some(FixtureSource::Dir(dir)) => FixtureSet::from_dir(dir)?,
        };
        let shared = Shared::new(set, self.config)?;
        let listener = match self.listener {
            Some(listener) => listener,
            None => std::net::TcpListener::bind("127.0.0.1:0").map_err(|source| Error::Listen {
                address: "127.0.0.1:0".into(),
                source,
            })?,
        };
        listener
            .set_nonblocking(true)
            .map_err(|source| Error::Listen {
                address: local(&listener),
                source,
            })?;
        Ok((shared, listener))
    }

    /// Starts the server on its own thread; it is ready to answer when this returns.
    pub async fn start(self) -> Result<UmMockServer, Error> {
        let (shared, listener) = self.prepare()?;
        let address = listener.local_addr().map_err(|source| Error::Listen {
            address: local(&listener),
            source,
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let handle = runtime.handle().clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (stopped_tx, stopped_rx) = oneshot::channel::<()>();
        let served = shared.clone();
        std::thread::Builder::new()
            .name(format!("exchange-um-mock {address}"))
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            http::serve(listener, served, async {
                                let _ = stop_rx.await;
                            })
                            .await
                        }
                        Err(error) => {
                            tracing::error!(%error, "cannot register the listener with the runtime")
                        }
                    }
                });
                let _ = stopped_tx.send(());
            })
            .map_err(Error::Runtime)?;
        Ok(UmMockServer {
            shared,
            address,
            runtime: handle,
            stop: Some(stop_tx),
            stopped: Some(stopped_rx),
        })
    }

    /// Serves on `listener` in the current Tokio runtime until `shutdown` resolves, then drains
    /// requests in flight (at most 5 s). `ready` is called once the server accepts requests.
    /// This is what the `exchange-um-mock` binary runs.
    pub async fn run(
        mut self,
        listener: std::net::TcpListener,
        ready: impl FnOnce(SocketAddr),
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        self.listener = Some(listener);
        let (shared, listener) = self.prepare()?;
        let address = listener.local_addr().map_err(|source| Error::Listen {
            address: local(&listener),
            source,
        })?;
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|source| Error::Listen {
                address: address.to_string(),
                source,
            })?;
        ready(address);
        http::serve(listener, shared, shutdown).await;
        Ok(())
    }
}

fn local(listener: &std::net::TcpListener) -> String {
    listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "the given listener".into())
}

impl UmMockServer {
    /// Starts a server on the embedded default fixtures at `127.0.0.1` on a free port.
    ///
    /// # Panics
    /// If the server cannot start (no free port, no thread); the message says why.
    pub async fn start() -> UmMockServer {
        match UmMockServer::builder().start().await {
            Ok(server) => server,
            Err(error) => panic!("exchange-um-mock could not start: {error}"),
        }
    }

    /// A builder for a server with other fixtures, a seed, limits or a given listener.
    pub fn builder() -> UmMockServerBuilder {
        UmMockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The UM endpoint URL a client should call: `http://127.0.0.1:PORT/EWS/UM2007Legacy.asmx`.
    pub fn service_url(&self) -> String {
        format!("{}{SERVICE_PATH_2010}", self.uri())
    }

    /// The socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every captured email, oldest first.
    pub fn emails(&self) -> Vec<Email> {
        self.shared.with(|w| w.emails.all())
    }

    /// The captured emails sent to `address` (case-insensitive), oldest first.
    pub fn emails_to(&self, address: &str) -> Vec<Email> {
        let filter = EmailFilter {
            to: Some(address.to_string()),
            ..EmailFilter::default()
        };
        self.shared.with(|w| w.emails.page(&filter).1)
    }

    /// The first email to `address` captured from now on, or an error after `timeout`. Woken
    /// by the store when an email arrives (no polling); works from any async runtime.
    pub async fn wait_for_email(
        &self,
        address: &str,
        timeout: Duration,
    ) -> Result<Email, WaitError> {
        let newest = self.shared.with(|w| w.emails.newest_id());
        let filter = EmailFilter {
            to: Some(address.to_string()),
            after_id: Some(newest),
            limit: Some(1),
            ..EmailFilter::default()
        };
        let shared = self.shared.clone();
        let (tx, rx) = oneshot::channel();
        // The waiting runs on the server's runtime, so the caller's runtime (if any) does not matter.
        self.runtime.spawn(async move {
            let (_, emails, _) = shared
                .wait_for_emails(&filter, timeout, std::future::pending())
                .await;
            let _ = tx.send(emails.into_iter().next());
        });
        match rx.await {
            Ok(Some(email)) => Ok(email),
            Ok(None) => Err(WaitError::Timeout {
                to: address.to_string(),
                waited: timeout,
            }),
            Err(_) => Err(WaitError::Stopped),
        }
    }

    /// The request journal, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.with(|w| w.journal.all())
    }

    /// The state of the mailbox with this SMTP address.
    pub fn mailbox(&self, address: &str) -> Option<MailboxState> {
        self.shared.with(|w| {
            w.mailbox_index(address)
                .map(|i| w.mailboxes[i].state.clone())
        })
    }

    /// Every mailbox, in fixture order.
    pub fn mailboxes(&self) -> Vec<MailboxState> {
        self.shared
            .with(|w| w.mailboxes.iter().map(|m| m.state.clone()).collect())
    }

    /// Changes a mailbox at run time, checked like a fixture; every problem otherwise.
    pub fn update_mailbox(
        &self,
        address: &str,
        patch: MailboxPatch,
    ) -> Result<MailboxState, Vec<String>> {
        self.shared
            .update_mailbox(address, patch)?
            .ok_or_else(|| vec![format!("no mailbox '{address}'")])
    }

    /// Adds a scenario (newest first wins); returns it as stored, with its id.
    pub fn add_scenario(&self, scenario: Scenario) -> Result<Scenario, Vec<String>> {
        self.shared.add_scenario(scenario)
    }

    /// The scenarios in force, newest first.
    pub fn scenarios(&self) -> Vec<Scenario> {
        self.shared.with(|w| w.scenarios.newest_first())
    }

    /// Back to the fixtures as loaded: mailboxes, scenarios, emails, journal.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting, lets requests in flight finish (at most 5 s), and waits for the stop.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Drop for UmMockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
