//! [`UmMockServerBuilder`]: a server's settings, then `start` (its own thread) or `run` (the
//! caller's runtime, as the binary does).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::sync::oneshot;

use self::https::Certificate;
use super::listeners::{loopback, register, Scheme};
use super::tls;
use super::watch::{self, Watch};
use super::{http, UmMockServer};
use crate::double::UmDouble;
use crate::error::Error;
use crate::state::{Doubles, Options, SessionLimits, Shared};

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
    /// `--max-sessions`, `--session-idle-s`, `--session-max-journal-bytes`.
    sessions: SessionLimits,
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
    /// `--watch`: reload the fixtures folder when a file in it changes.
    watch: bool,
    /// `--smtp-relay`: where every captured email is also delivered.
    #[cfg(feature = "smtp")]
    relay: Option<super::relay::RelaySettings>,
}

/// Listeners checked and bound, not yet registered with a runtime.
struct Prepared {
    /// The root double (`shared`) and its sessions.
    doubles: Doubles,
    shared: Shared,
    /// Set up when `watch` was asked for, run beside the listeners.
    watch: Option<Watch>,
    listeners: Vec<(Scheme, SocketAddr, std::net::TcpListener)>,
    tls: Option<tls::TlsAcceptor>,
    /// The SMTP relay's worker, attached to the state, run beside the listeners.
    #[cfg(feature = "smtp")]
    relay: Option<super::relay::Worker>,
}

mod https;
#[cfg(feature = "smtp")]
mod relay;
mod sessions;
mod timeouts;

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

    /// Allow a browser to reach the admin API and the web inbox under this host name (as
    /// `--admin-host`; call again for more). Without it, a request that carries `Origin` or a
    /// `Sec-Fetch-*` header is refused (403) unless its `Host` is an IP address, `localhost`
    /// (or `*.localhost`) or the fixtures' `server.fqdn`: a page of another site that points
    /// its own name at the double (DNS rebinding) must not drive it. Clients that are not
    /// browsers send neither header and are never refused for their `Host`.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange: a browser reaches the double under the name `mock.test`.
    /// let server = UmMockServer::builder().admin_host("mock.test").start().await.unwrap();
    /// let from_browser = |host: &'static str| {
    ///     reqwest::Client::new()
    ///         .get(format!("{}/__admin/emails", server.uri()))
    ///         .header("Host", host)
    ///         .header("Sec-Fetch-Mode", "cors")
    ///         .send()
    /// };
    ///
    /// // Act
    /// let allowed = from_browser("mock.test").await.unwrap().status();
    /// let other = from_browser("rebind.evil.example").await.unwrap().status();
    ///
    /// // Assert
    /// assert_eq!((allowed.as_u16(), other.as_u16()), (200, 403));
    /// # }
    /// ```
    pub fn admin_host(mut self, name: impl Into<String>) -> Self {
        self.options.config.admin_hosts.push(name.into());
        self
    }

    /// Reload the fixtures folder (`fixtures_dir`) whenever a file in it changes, as
    /// `POST /__admin/reload` does: all or nothing, within a second of the last change; on a
    /// problem the old fixtures stay and each problem is logged (`--watch`). Starting fails
    /// without a fixtures folder.
    /// ```no_run
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange: serve a folder and follow its edits.
    /// let server = UmMockServer::builder().fixtures_dir("fixtures").watch().start().await.unwrap();
    ///
    /// // Act: edit fixtures/mock.json in an editor…
    ///
    /// // Assert: …and the server serves it a moment later, emails and journal kept.
    /// assert!(server.mailbox("alice@contoso.com").is_some());
    /// # }
    /// ```
    pub fn watch(mut self) -> Self {
        self.watch = true;
        self
    }

    /// Loads the state, readies every listener and, if one is `https`, the TLS acceptor.
    fn prepare(
        mut self,
        listeners: Vec<(Scheme, std::net::TcpListener)>,
    ) -> Result<Prepared, Error> {
        // Read before anything is bound or loaded: a wrong URL fails the start at once.
        #[cfg(feature = "smtp")]
        let relay = match &self.relay {
            Some(settings) => Some(settings.prepare()?),
            None => None,
        };
        // Taken out, so the TLS settings can go to `tls_acceptor` with `self`.
        let shared = std::mem::take(&mut self.options).shared_state()?;
        let doubles = Doubles::new(shared.clone(), self.sessions);
        let watch = if self.watch {
            let Some(dir) = shared.fixtures_dir() else {
                return Err(Error::watch(
                    "watch needs a fixtures folder (fixtures_dir, or --fixtures DIR)",
                ));
            };
            Some(Watch::new(shared.clone(), &dir)?)
        } else {
            None
        };
        let mut ready = Vec::with_capacity(listeners.len());
        for (scheme, listener) in listeners {
            let address = listener
                .local_addr()
                .map_err(|source| Error::listen("the given listener", source))?;
            listener
                .set_nonblocking(true)
                .map_err(|source| Error::listen(address, source))?;
            ready.push((scheme, address, listener));
        }
        let tls = if ready.iter().any(|(scheme, _, _)| *scheme == Scheme::Https) {
            Some(self.tls_acceptor(&shared, &ready)?)
        } else {
            // Built without TLS, a TLS setting is refused rather than quietly unused.
            #[cfg(not(feature = "tls"))]
            if self.certificate.is_some()
                || self.tls_state.is_some()
                || self.tls_ca_out.is_some()
                || !self.tls_hosts.is_empty()
            {
                return Err(Error::tls(tls::unavailable()));
            }
            None
        };
        Ok(Prepared {
            #[cfg(feature = "smtp")]
            relay: relay.map(|relay| relay.attach(&shared)),
            doubles,
            shared,
            watch,
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
            doubles,
            shared,
            watch,
            listeners,
            tls,
            #[cfg(feature = "smtp")]
            relay,
        } = self.prepare(listeners)?;
        let address = listeners[0].1;
        let https_address = listeners.get(1).map(|(_, address, _)| *address);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::runtime)?;
        let handle = runtime.handle().clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (stopped_tx, stopped_rx) = oneshot::channel::<()>();
        let served = doubles.clone();
        std::thread::Builder::new()
            .name(format!("exchange-um-mock {address}"))
            .spawn(move || {
                runtime.block_on(async move {
                    match register(listeners, tls) {
                        Ok(listeners) => {
                            let serve = http::serve(listeners, served, async {
                                let _ = stop_rx.await;
                            });
                            let serve = watch::serving(watch, serve);
                            #[cfg(feature = "smtp")]
                            let serve = super::relay::serving(relay, serve);
                            serve.await
                        }
                        Err(error) => {
                            tracing::error!(%error, "cannot register the listener with the runtime")
                        }
                    }
                });
                let _ = stopped_tx.send(());
            })
            .map_err(Error::runtime)?;
        let double = UmDouble::new(shared, Some(handle));
        Ok(UmMockServer {
            double,
            doubles,
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
            doubles,
            watch,
            listeners,
            tls,
            #[cfg(feature = "smtp")]
            relay,
            ..
        } = self.prepare(listeners)?;
        let announced: Vec<(Scheme, SocketAddr)> = listeners
            .iter()
            .map(|(scheme, address, _)| (*scheme, *address))
            .collect();
        let listeners = register(listeners, tls)?;
        for (scheme, address) in announced {
            ready(scheme, address);
        }
        let serve = watch::serving(watch, http::serve(listeners, doubles, shutdown));
        #[cfg(feature = "smtp")]
        let serve = super::relay::serving(relay, serve);
        serve.await;
        Ok(())
    }
}

/// A build without the optional features refuses what needs them, saying which to add
/// (run by `cargo test --no-default-features --lib`).
#[cfg(all(test, not(all(feature = "tls", feature = "watch"))))]
mod without_features;
