//! The server handle ([`UmMockServer`]) and its builder. The server runs on its own thread and
//! Tokio runtime, so it works from any test (either Tokio flavour, another runtime, a plain
//! `#[test]`) and a client under test that blocks its own thread cannot starve it.

mod activity;
mod builder;
mod conns;
mod http;
mod listeners;
#[cfg(feature = "smtp")]
mod relay;
mod session;
#[cfg(feature = "tls")]
mod tls;
// Built without `tls`: the same names, refusing `https://` listeners at start.
#[cfg(not(feature = "tls"))]
#[path = "tls_off.rs"]
mod tls;
#[cfg(feature = "watch")]
mod watch;
// Built without `watch`: the same names, refusing `watch()` at start.
#[cfg(not(feature = "watch"))]
#[path = "watch_off.rs"]
mod watch;

pub use builder::UmMockServerBuilder;
pub use listeners::Scheme;
pub use session::UmSession;

use std::net::SocketAddr;
use std::ops::Deref;

use tokio::sync::oneshot;

use crate::double::UmDouble;
use crate::service::endpoint::SERVICE_PATH_2010;

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
    /// The root double (`double`'s) and the sessions, for [`UmMockServer::session`].
    doubles: crate::state::Doubles,
    address: SocketAddr,
    /// The HTTPS listener's address, when the builder asked for one.
    https_address: Option<SocketAddr>,
    /// Tells the server's thread to stop; sent by `shutdown` and `Drop` (or dropped, which
    /// stops it too).
    stop: Option<oneshot::Sender<()>>,
    /// Fires when the server's thread has drained and stopped; awaited by `shutdown`.
    stopped: Option<oneshot::Receiver<()>>,
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

    /// `https://127.0.0.1:PORT` when the server also serves HTTPS
    /// ([`UmMockServerBuilder::https`] or [`tls_pem`](UmMockServerBuilder::tls_pem)), else
    /// `None`. Both listeners share one state.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let plain = UmMockServer::start().await;
    /// let both = UmMockServer::builder().https().start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(plain.https_uri(), None);
    /// assert!(both.https_uri().unwrap().starts_with("https://127.0.0.1:"));
    /// # }
    /// ```
    pub fn https_uri(&self) -> Option<String> {
        self.https_address
            .map(|address| format!("https://{address}"))
    }

    /// The UM endpoint URL over HTTPS, `https://127.0.0.1:PORT/EWS/UM2007Legacy.asmx`, or
    /// `None` without an HTTPS listener.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().https().start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(server.https_service_url().unwrap(), format!("{}/EWS/UM2007Legacy.asmx", server.https_uri().unwrap()));
    /// # }
    /// ```
    pub fn https_service_url(&self) -> Option<String> {
        self.https_uri()
            .map(|uri| format!("{uri}{SERVICE_PATH_2010}"))
    }

    /// The generated CA certificate (PEM) that signed the HTTPS listener's certificate, for
    /// the client to trust (also `GET /__admin/ca.pem`); `None` without HTTPS or when the
    /// certificate was given with [`tls_pem`](UmMockServerBuilder::tls_pem).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().https().start().await.unwrap();
    ///
    /// // Assert
    /// assert!(server.ca_pem().unwrap().contains("-----BEGIN CERTIFICATE-----"));
    /// # }
    /// ```
    pub fn ca_pem(&self) -> Option<String> {
        self.double.shared().ca_pem().map(str::to_owned)
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
