//! The listeners a server serves: what each speaks ([`Scheme`]), the default loopback one,
//! and handing them to the runtime with the TLS acceptor the `https` ones share.

use std::fmt;
use std::net::SocketAddr;

use super::http;
use super::tls::TlsAcceptor;
use crate::error::Error;

/// What a listener given to [`UmMockServerBuilder::run_listeners`](super::UmMockServerBuilder::run_listeners) speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Plain HTTP/1.1.
    Http,
    /// HTTP/1.1 over TLS (ALPN `http/1.1`).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`, as in a URL.
    /// ```
    /// assert_eq!(exchange_um_mock::Scheme::Https.as_str(), "https");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Binds `127.0.0.1:0`, the address `start` serves on unless given a listener.
pub(super) fn loopback() -> Result<std::net::TcpListener, Error> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|source| Error::listen("127.0.0.1:0", source))
}

/// Hands the listeners to the current Tokio runtime; the `https` ones get the acceptor.
pub(super) fn register(
    listeners: Vec<(Scheme, SocketAddr, std::net::TcpListener)>,
    tls: Option<TlsAcceptor>,
) -> Result<Vec<http::Listener>, Error> {
    listeners
        .into_iter()
        .map(|(scheme, address, listener)| {
            let socket = tokio::net::TcpListener::from_std(listener)
                .map_err(|source| Error::listen(address, source))?;
            let tls = match scheme {
                Scheme::Http => None,
                Scheme::Https => Some(
                    tls.clone()
                        .expect("prepare makes an acceptor whenever a listener is https"),
                ),
            };
            Ok(http::Listener { socket, tls })
        })
        .collect()
}
