//! [`UmMockServerBuilder`]: a server's settings, then `start` (its own thread) or `run` (the
//! caller's runtime, as the binary does).

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::listeners::{loopback, register, Scheme};
use super::tls::{self, CertSource};
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
    /// Set by `https`, `tls_pem` or `tls_files`: `start` adds an HTTPS listener.
    https: bool,
    /// The user's certificate; `None` for a generated one.
    certificate: Option<Certificate>,
    /// `--tls-state`: where a generated CA is kept across starts.
    tls_state: Option<PathBuf>,
    /// `--tls-ca-out`: where the generated CA certificate is written at start.
    tls_ca_out: Option<PathBuf>,
    /// Names the generated leaf certificate holds besides the loopback names, the listeners'
    /// addresses and `server.fqdn`.
    tls_hosts: Vec<String>,
}

/// The user's certificate and key.
enum Certificate {
    Files { cert: PathBuf, key: PathBuf },
    Pem { cert: Vec<u8>, key: Vec<u8> },
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key's bytes: a builder may end up in a test's failure output.
        match self {
            Certificate::Files { cert, key } => f
                .debug_struct("Files")
                .field("cert", cert)
                .field("key", key)
                .finish(),
            Certificate::Pem { .. } => f.write_str("Pem { .. }"),
        }
    }
}

/// Listeners checked and bound, not yet registered with a runtime.
struct Prepared {
    shared: Shared,
    listeners: Vec<(Scheme, SocketAddr, std::net::TcpListener)>,
    tls: Option<TlsAcceptor>,
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

    /// Also serve HTTPS, on `127.0.0.1:0`, with a certificate generated at start and signed
    /// by a generated CA that [`UmMockServer::ca_pem`] gives (trust it in the client).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().https().start().await.unwrap();
    ///
    /// // Assert
    /// assert!(server.https_uri().unwrap().starts_with("https://127.0.0.1:"));
    /// assert!(server.ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # }
    /// ```
    pub fn https(mut self) -> Self {
        self.https = true;
        self
    }

    /// Serve HTTPS (as [`https`](Self::https) does) with this certificate chain (leaf first)
    /// and private key (PKCS#8, PKCS#1 or SEC1), PEM text or bytes. No CA is generated, so
    /// [`UmMockServer::ca_pem`] is `None`.
    pub fn tls_pem(mut self, cert_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> Self {
        self.https = true;
        self.certificate = Some(Certificate::Pem {
            cert: cert_pem.as_ref().to_vec(),
            key: key_pem.as_ref().to_vec(),
        });
        self
    }

    /// As [`tls_pem`](Self::tls_pem), read from PEM files at start (`--tls-cert`,
    /// `--tls-key`); errors name the file.
    pub fn tls_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.https = true;
        self.certificate = Some(Certificate::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Keep the generated CA (`ca.pem`, `ca.key`) in `dir` and reuse it on later starts, so a
    /// client trusts it once (`--tls-state`). Ignored with a given certificate.
    pub fn tls_state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.tls_state = Some(dir.into());
        self
    }

    /// Write the generated CA certificate (PEM) to `path` at start, before any listener
    /// accepts (`--tls-ca-out`). Nothing is written with a given certificate.
    pub fn tls_ca_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca_out = Some(path.into());
        self
    }

    /// More names or addresses for the generated certificate, besides `localhost`,
    /// `127.0.0.1`, `::1`, each listener's address and the fixtures' `server.fqdn`.
    pub fn tls_hosts<I>(mut self, hosts: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.tls_hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// Loads the state, readies every listener and, if one is `https`, the TLS acceptor.
    /// How long an idle keep-alive connection waits for its next request before the server
    /// closes it (default 120 s, as IIS). A request's headers must still arrive within 10 s
    /// of its first byte.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().idle_timeout(std::time::Duration::from_secs(30)).start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(reqwest::get(format!("{}/__admin/health", server.uri())).await.unwrap().status(), 200);
    /// # }
    /// ```
    pub fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.config.idle_timeout = timeout;
        self
    }

    fn prepare(self, listeners: Vec<(Scheme, std::net::TcpListener)>) -> Result<Prepared, Error> {
        let shared = self.options.shared_state()?;
        let mut ready = Vec::with_capacity(listeners.len());
        for (scheme, listener) in listeners {
            let address = listener.local_addr().map_err(|source| Error::Listen {
                address: "the given listener".into(),
                source,
            })?;
            listener
                .set_nonblocking(true)
                .map_err(|source| Error::Listen {
                    address: address.to_string(),
                    source,
                })?;
            ready.push((scheme, address, listener));
        }
        let tls = if ready.iter().any(|(scheme, _, _)| *scheme == Scheme::Https) {
            let source = match self.certificate {
                Some(Certificate::Files { cert, key }) => CertSource::Pem { cert, key },
                Some(Certificate::Pem { cert, key }) => CertSource::PemText { cert, key },
                None => {
                    let mut hosts = self.tls_hosts;
                    hosts.extend(ready.iter().map(|(_, address, _)| address.ip().to_string()));
                    hosts.push(shared.with(|world| world.fqdn().to_owned()));
                    CertSource::Generated {
                        hosts,
                        state_dir: self.tls_state,
                    }
                }
            };
            let tls = tls::prepare(&source).map_err(|error| Error::Tls(Box::new(error)))?;
            if let Some(pem) = tls.ca_pem {
                if let Some(path) = &self.tls_ca_out {
                    std::fs::write(path, &pem).map_err(|error| {
                        Error::Tls(Box::new(std::io::Error::new(
                            error.kind(),
                            format!(
                                "cannot write the CA certificate to {}: {error}",
                                path.display()
                            ),
                        )))
                    })?;
                }
                shared.set_ca_pem(pem);
            }
            Some(tls.acceptor)
        } else {
            None
        };
        Ok(Prepared {
            shared,
            listeners: ready,
            tls,
        })
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
    pub async fn start(mut self) -> Result<UmMockServer, Error> {
        let mut listeners = vec![(
            Scheme::Http,
            self.listener.take().map_or_else(loopback, Ok)?,
        )];
        if self.https {
            listeners.push((Scheme::Https, loopback()?));
        }
        let Prepared {
            shared,
            listeners,
            tls,
        } = self.prepare(listeners)?;
        let address = listeners[0].1;
        let https_address = listeners.get(1).map(|(_, address, _)| *address);
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
                    match register(listeners, tls) {
                        Ok(listeners) => {
                            http::serve(listeners, served, async {
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
            https_address,
            stop: Some(stop_tx),
            stopped: Some(stopped_rx),
        })
    }

    /// Serves on `listener` (plain HTTP) in the current Tokio runtime until `shutdown`
    /// resolves, then drains requests in flight (at most 5 s). `ready` is called once the
    /// server accepts requests. [`run_listeners`](Self::run_listeners) serves several.
    /// ```no_run
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let listener = std::net::TcpListener::bind("127.0.0.1:8080").unwrap();
    ///
    /// // Act: serve until Ctrl-C.
    /// UmMockServer::builder()
    ///     .run(listener, |at| println!("listening on http://{at}"), async { tokio::signal::ctrl_c().await.unwrap(); })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub async fn run(
        self,
        listener: std::net::TcpListener,
        ready: impl FnOnce(SocketAddr),
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let mut ready = Some(ready);
        self.run_listeners(
            vec![(Scheme::Http, listener)],
            |_, address| {
                if let Some(ready) = ready.take() {
                    ready(address);
                }
            },
            shutdown,
        )
        .await
    }

    /// Serves every listener (each plain HTTP or HTTPS, all on one shared state) in the
    /// current Tokio runtime until `shutdown` resolves, then drains requests in flight (at
    /// most 5 s). Once all accept, `ready` is called for each, in the order given. This is
    /// what the `exchange-um-mock` binary runs. The listeners given are all it serves
    /// (`https()` only adds a listener to [`start`](Self::start)); the TLS settings
    /// (`tls_pem`, `tls_files`, `tls_state_dir`) apply to the `https` ones.
    /// ```no_run
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let http = std::net::TcpListener::bind("127.0.0.1:8080").unwrap();
    /// let https = std::net::TcpListener::bind("127.0.0.1:8443").unwrap();
    ///
    /// // Act: serve both until Ctrl-C.
    /// UmMockServer::builder()
    ///     .run_listeners(
    ///         vec![(Scheme::Http, http), (Scheme::Https, https)],
    ///         |scheme, at| println!("listening on {scheme}://{at}"),
    ///         async { tokio::signal::ctrl_c().await.unwrap(); },
    ///     )
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub async fn run_listeners(
        self,
        listeners: Vec<(Scheme, std::net::TcpListener)>,
        mut ready: impl FnMut(Scheme, SocketAddr),
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let Prepared {
            shared,
            listeners,
            tls,
        } = self.prepare(listeners)?;
        let announced: Vec<(Scheme, SocketAddr)> = listeners
            .iter()
            .map(|(scheme, address, _)| (*scheme, *address))
            .collect();
        let listeners = register(listeners, tls)?;
        for (scheme, address) in announced {
            ready(scheme, address);
        }
        http::serve(listeners, shared, shutdown).await;
        Ok(())
    }
}
