//! [`UmMockServerBuilder`]: a server's settings, then `start` (its own thread) or `run` (the
//! caller's runtime, as the binary does).

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;

use super::{http, UmMockServer};
use crate::double::UmDouble;
use crate::error::Error;
use crate::state::{Options, Shared};

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
    options: Options,
    listener: Option<std::net::TcpListener>,
}

crate::double::settings::shared_settings!(UmMockServerBuilder);

impl UmMockServerBuilder {
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
        self.options.config.admin_token = Some(token.into());
        self
    }

    fn prepare(mut self) -> Result<(Shared, std::net::TcpListener), Error> {
        let listener = self.listener.take();
        let shared = self.options.shared_state()?;
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
