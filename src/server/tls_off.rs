//! What stands in for `tls/` when the crate is built without its `tls` feature: no acceptor
//! can exist, so an `https://` listener or a TLS setting is refused at start with an error
//! that says how to get them.

use std::io;

/// Uninhabited: without the `tls` feature no listener ever has an acceptor.
#[derive(Debug, Clone)]
pub(crate) enum TlsAcceptor {}

/// Why an `https://` listener or a TLS setting cannot be served by this build.
pub(crate) fn unavailable() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "exchange-um-mock was built without the `tls` feature, so it has no https:// \
         listeners and takes no TLS settings (build it with `--features tls`, on by default)",
    )
}

impl TlsAcceptor {
    /// Never called: there is no acceptor to call it with.
    pub(crate) fn leaf(&self) -> std::sync::Arc<[u8]> {
        match *self {}
    }
}

/// Never called: there is no acceptor to call it with.
pub(crate) async fn handshake<IO>(acceptor: &TlsAcceptor, _io: IO) -> io::Result<IO> {
    match *acceptor {}
}
