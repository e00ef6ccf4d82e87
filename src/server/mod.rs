//! The server handle ([`UmMockServer`]) and its builder. The server runs on its own thread and
//! Tokio runtime, so it works from any test (either Tokio flavour, another runtime, a plain
//! `#[test]`) and a client under test that blocks its own thread cannot starve it.

mod http;
pub(crate) mod router;

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;

use tokio::sync::oneshot;

use crate::double::UmDouble;
use crate::endpoint::SERVICE_PATH_2010;
use crate::error::Error;
use crate::fixtures::FixtureSet;
use crate::state::{Config, Shared};

/// A running exchange-um-mock: a UM web service on 127.0.0.1, plus typed access to what it
/// captured through [`UmDouble`], which it dereferences to (`server.emails()`,
/// `server.wait_for_email(…)`, `server.expect(…)`…). Dropping it stops the server and checks
/// its expectations.
///
/// [`UmMockServer::start`] needs no async runtime of its own: the server gets its own thread
/// and current-thread Tokio runtime. So it works under `#[tokio::test]` of either flavour,
/// in a plain `#[test]` through `futures::executor::block_on` (or a Tokio `Runtime`), and a
/// client under test that blocks the test's thread cannot starve it.
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
    double: UmDouble,
    address: SocketAddr,
    /// Tells the server's thread to stop; sent by `shutdown` and `Drop` (or dropped, which
    /// stops it too).
    stop: Option<oneshot::Sender<()>>,
    /// Fires when the server's thread has drained and stopped; awaited by `shutdown`.
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

impl UmMockServerBuilder {
    /// Serve the fixtures folder at `dir` instead of the embedded default set.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange: a fixtures folder on disk.
    /// let dir = std::env::temp_dir().join(format!("exum-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// std::fs::write(dir.join("mock.json"), r#"{"mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}]}"#).unwrap();
    ///
    /// // Act
    /// let server = UmMockServer::builder().fixtures_dir(&dir).start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(server.mailboxes()[0].smtp_address, "x@example.com");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # }
    /// ```
    pub fn fixtures_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = Some(FixtureSource::Dir(dir.into()));
        self
    }

    /// Serve this fixture set (built in memory, or read with [`FixtureSet::from_dir`]).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let fixtures = FixtureSet::embedded().with_file("responses/ResetPIN/teapot.xml", "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>teapot</faultstring></s:Fault></s:Body></s:Envelope>");
    ///
    /// // Act
    /// let server = UmMockServer::builder().fixtures(fixtures).start().await.unwrap();
    ///
    /// // Assert: scenarios can now replay the extra file.
    /// assert!(server.add_scenario(Scenario::new("alice@contoso.com", "ResetPIN").outcome(Outcome::fixture("ResetPIN/teapot"))).is_ok());
    /// # }
    /// ```
    pub fn fixtures(mut self, set: FixtureSet) -> Self {
        self.fixtures = Some(FixtureSource::Set(set));
        self
    }

    /// Make generated PINs reproducible: the same seed gives the same PINs run to run.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange: two servers with the same seed.
    /// let one = UmMockServer::builder().seed(7).start().await.unwrap();
    /// let two = UmMockServer::builder().seed(7).start().await.unwrap();
    ///
    /// // Act
    /// reset_pin(one.service_url(), "alice").await.unwrap();
    /// reset_pin(two.service_url(), "alice").await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(one.mailbox("alice@contoso.com").unwrap().pin, two.mailbox("alice@contoso.com").unwrap().pin);
    /// # }
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }

    /// Serve on this listener instead of binding `127.0.0.1:0`.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let address = listener.local_addr().unwrap();
    ///
    /// // Act
    /// let server = UmMockServer::builder().listener(listener).start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(server.address(), address);
    /// # }
    /// ```
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Largest request body accepted (default 1 MiB); larger ones get 413.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::builder().max_body_bytes(16).start().await.unwrap();
    ///
    /// // Act
    /// let status = reqwest::Client::new().post(server.service_url()).body("x".repeat(17)).send().await.unwrap().status();
    ///
    /// // Assert
    /// assert_eq!(status, 413);
    /// # }
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// Emails kept before the oldest is dropped (default 10,000).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange
    /// let server = UmMockServer::builder().max_emails(1).start().await.unwrap();
    ///
    /// // Act
    /// reset_pin(server.service_url(), "alice").await.unwrap();
    /// reset_pin(server.service_url(), "carol").await.unwrap();
    ///
    /// // Assert: only the newest is kept.
    /// assert_eq!(server.emails()[0].to, "carol@contoso.com");
    /// # }
    /// ```
    pub fn max_emails(mut self, count: usize) -> Self {
        self.config.max_emails = count;
        self
    }

    /// Journal entries kept before the oldest is dropped (default 10,000).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
    /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
    /// // Arrange
    /// let server = UmMockServer::builder().max_requests(1).start().await.unwrap();
    ///
    /// // Act
    /// reset_pin(server.service_url(), "alice").await.unwrap();
    /// reset_pin(server.service_url(), "carol").await.unwrap();
    ///
    /// // Assert: only the newest is kept.
    /// assert_eq!(server.requests()[0].mailbox.as_deref(), Some("carol@contoso.com"));
    /// # }
    /// ```
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
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::builder().admin_token("s3cret").start().await.unwrap();
    ///
    /// // Act
    /// let without = reqwest::get(format!("{}/__admin/health", server.uri())).await.unwrap().status();
    /// let with = reqwest::Client::new().get(format!("{}/__admin/health", server.uri())).bearer_auth("s3cret").send().await.unwrap().status();
    ///
    /// // Assert: the library accessors need no token.
    /// assert_eq!((without.as_u16(), with.as_u16()), (401, 200));
    /// # }
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.admin_token = Some(token.into());
        self
    }

    /// The state a server (or a wiremock responder) runs on: fixtures loaded and checked.
    pub(crate) fn shared_state(self) -> Result<Shared, Error> {
        let set = match self.fixtures {
            None => FixtureSet::embedded(),
            Some(FixtureSource::Set(set)) => set,
            Some(FixtureSource::Dir(dir)) => FixtureSet::from_dir(dir)?,
        };
        Shared::new(set, self.config)
    }

    fn prepare(mut self) -> Result<(Shared, std::net::TcpListener), Error> {
        let listener = self.listener.take();
        let shared = self.shared_state()?;
        let listener = match listener {
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

    /// Starts the server on its own thread; it is ready to answer when this returns (the
    /// socket is bound and listening before the thread starts). Needs no async runtime: it
    /// awaits nothing, so `futures::executor::block_on` runs it from a plain `#[test]`.
    ///
    /// ```
    /// use exchange_um_mock::{FixtureSet, UmMockServer};
    ///
    /// // A plain `#[test]`: no async runtime anywhere.
    /// // Arrange
    /// let fixtures = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}]}"#);
    ///
    /// // Act
    /// let server = futures::executor::block_on(UmMockServer::builder().fixtures(fixtures).start()).unwrap();
    ///
    /// // Assert
    /// assert_eq!(server.mailboxes().len(), 1);
    /// ```
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
        let double = UmDouble::new(shared, Some(handle));
        Ok(UmMockServer {
            double,
            address,
            stop: Some(stop_tx),
            stopped: Some(stopped_rx),
        })
    }

    /// Serves on `listener` in the current Tokio runtime until `shutdown` resolves, then drains
    /// requests in flight (at most 5 s). `ready` is called once the server accepts requests.
    /// This is what the `exchange-um-mock` binary runs.
    /// ```no_run
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let listener = std::net::TcpListener::bind("127.0.0.1:8080").unwrap();
    ///
    /// // Act: serve until Ctrl-C (this is what the binary does).
    /// UmMockServer::builder()
    ///     .run(listener, |at| println!("listening on http://{at}"), async { tokio::signal::ctrl_c().await.unwrap(); })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
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
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::start().await;
    ///
    /// // Assert: the default fixtures are loaded.
    /// assert!(server.mailbox("alice@contoso.com").unwrap().um_enabled);
    /// # }
    /// ```
    pub async fn start() -> UmMockServer {
        match UmMockServer::builder().start().await {
            Ok(server) => server,
            Err(error) => panic!("exchange-um-mock could not start: {error}"),
        }
    }

    /// A builder for a server with other fixtures, a seed, limits or a given listener.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().seed(1).start().await.unwrap();
    ///
    /// // Assert
    /// assert!(server.uri().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub fn builder() -> UmMockServerBuilder {
        UmMockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let health = reqwest::get(format!("{}/__admin/health", server.uri())).await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(health.status(), 200);
    /// # }
    /// ```
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The UM endpoint URL a client should call: `http://127.0.0.1:PORT/EWS/UM2007Legacy.asmx`.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::start().await;
    ///
    /// // Assert
    /// assert_eq!(server.service_url(), format!("{}/EWS/UM2007Legacy.asmx", server.uri()));
    /// # }
    /// ```
    pub fn service_url(&self) -> String {
        format!("{}{SERVICE_PATH_2010}", self.uri())
    }

    /// The socket address the server listens on.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::start().await;
    ///
    /// // Assert
    /// assert!(server.address().ip().is_loopback());
    /// # }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting, lets requests in flight finish (at most 5 s), and waits for the stop.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// let address = server.address();
    ///
    /// // Act
    /// server.shutdown().await;
    ///
    /// // Assert: nothing listens there any more.
    /// assert!(std::net::TcpStream::connect(address).is_err());
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Deref for UmMockServer {
    type Target = UmDouble;

    fn deref(&self) -> &UmDouble {
        &self.double
    }
}

impl Drop for UmMockServer {
    /// Stops the server (without waiting for it), then checks the expectations, like
    /// wiremock-rs: an unmet one panics with its report, unless the test is already panicking.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.double.verify_on_drop();
    }
}
