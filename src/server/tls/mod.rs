//! TLS for `https://` listeners: the rustls server configuration, from the
//! user's PEM files or from a CA and leaf certificate generated at start.
//!
//! Depends on nothing else in the crate. [`prepare`] runs once at start-up; its [`Tls`] is
//! shared by every HTTPS listener, and [`handshake`] runs once per accepted connection.
//!
//! Everything uses the ring provider passed explicitly, so no process-wide default provider
//! is installed (a test binary embedding the server may install its own).

mod ca;
mod error;
mod leaf;
mod names;
mod pem;
mod state;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;

use ca::Ca;
pub(crate) use error::TlsError;

/// The one ALPN protocol offered: IIS serves Windows authentication (NTLM, Negotiate) over
/// HTTP/1.1 only, and so does this double.
const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// How long a client may take to finish the handshake once connected. Without a bound, a
/// client that connects and says nothing would hold a task and a socket for ever.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CertSource {
    /// Generate a leaf certificate at start, signed by a generated CA.
    Generated {
        /// Names and addresses the leaf certificate names besides `localhost`, `127.0.0.1`
        /// and `::1`: each listen host and `server.fqdn`. `0.0.0.0` and `::` are skipped.
        hosts: Vec<String>,
        /// The fixtures' `server.fqdn` (also in `hosts`): the CA may vouch for its parent
        /// domain too.
        fqdn: String,
        /// Where the CA is kept across starts (`--tls-state`): `ca.pem` and `ca.key` (PKCS#8,
        /// mode 0600 on unix), written on first use. `None` for a new CA each start.
        state_dir: Option<PathBuf>,
    },
    /// The user's PEM files (`--tls-cert`, `--tls-key`).
    Pem {
        /// The certificate chain, leaf first.
        cert: PathBuf,
        /// The private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
        key: PathBuf,
    },
    /// The user's PEM text, in memory (the library's `tls_pem`). Errors name it
    /// `<certificate PEM>` / `<key PEM>` where a file would be named.
    PemText {
        /// The certificate chain, leaf first.
        cert: Vec<u8>,
        /// The private key, in any of the forms [`CertSource::Pem`] takes.
        key: Vec<u8>,
    },
}

/// The server side of the handshake, and the leaf certificate it serves: a connection's
/// requests carry it, for Extended Protection's channel binding to hash.
#[derive(Clone)]
pub(crate) struct TlsAcceptor {
    inner: tokio_rustls::TlsAcceptor,
    leaf: Arc<[u8]>,
}

impl TlsAcceptor {
    /// The acceptor of `config`, whose certificate chain starts with `leaf` (DER).
    fn new(config: ServerConfig, leaf: &[u8]) -> TlsAcceptor {
        TlsAcceptor {
            inner: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            leaf: leaf.into(),
        }
    }

    /// The DER of the leaf certificate every connection is served with.
    pub(crate) fn leaf(&self) -> Arc<[u8]> {
        self.leaf.clone()
    }
}

/// What HTTPS listeners need: the acceptor and, for a generated certificate, the CA that
/// clients must trust.
#[derive(Clone)]
pub(crate) struct Tls {
    /// Performs the server side of the handshake (see [`handshake`]).
    pub(crate) acceptor: TlsAcceptor,
    /// The generated CA certificate in PEM (`--tls-ca-out`, `GET /__admin/ca.pem`); `None`
    /// when the user gave the certificate.
    pub(crate) ca_pem: Option<String>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The acceptor has no useful Debug; whether a CA was generated is what tells Tls apart.
        f.debug_struct("Tls")
            .field("generated_ca", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds the TLS configuration for `source`: reads and checks the user's PEM files, or
/// generates (or loads from the state folder) a CA and signs a fresh leaf with it.
///
/// Blocking (file I/O, key generation, a few milliseconds): meant for start-up, before the
/// listeners run, not for a task on a busy runtime.
pub(crate) fn prepare(source: &CertSource) -> Result<Tls, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match source {
        CertSource::Pem { cert, key } => {
            let (chain, private_key) = pem::read_pair(cert, key)?;
            let leaf = leaf_of(&chain);
            let config = server_config(&provider, chain, private_key)
                .map_err(|source| TlsError::from_rustls(cert, key, source))?;
            Ok(Tls {
                acceptor: TlsAcceptor::new(config, &leaf),
                ca_pem: None,
            })
        }
        CertSource::PemText { cert, key } => {
            let (cert_label, key_label) = (Path::new("<certificate PEM>"), Path::new("<key PEM>"));
            let chain = pem::certificates(cert_label, cert)?;
            let private_key = pem::private_key(key_label, key)?;
            let leaf = leaf_of(&chain);
            let config = server_config(&provider, chain, private_key)
                .map_err(|source| TlsError::from_rustls(cert_label, key_label, source))?;
            Ok(Tls {
                acceptor: TlsAcceptor::new(config, &leaf),
                ca_pem: None,
            })
        }
        CertSource::Generated {
            hosts,
            fqdn,
            state_dir,
        } => {
            let ca = match state_dir {
                Some(dir) => Ca::kept_in(dir, hosts, fqdn, &provider)?,
                None => Ca::generate(hosts, fqdn)?,
            };
            let leaf = leaf::issue(&ca, hosts)?;
            if let Some(path) = &ca.kept_at {
                leaf::check_issued(&ca, path, &leaf.der, hosts, &provider)?;
            }
            // The chain is the leaf alone: a client has the CA in its trust store, and
            // sending a trust anchor along is of no use to it.
            let der = leaf.der.to_vec();
            let config = server_config(&provider, vec![leaf.der], leaf.key)
                .expect("rustls accepts a P-256 leaf with the PKCS#8 key it was just made for");
            Ok(Tls {
                acceptor: TlsAcceptor::new(config, &der),
                ca_pem: Some(ca.pem),
            })
        }
    }
}

/// The DER of the first certificate of `chain` (empty for an empty chain, which rustls then
/// refuses in [`server_config`]).
fn leaf_of(chain: &[CertificateDer<'static>]) -> Vec<u8> {
    chain.first().map(|c| c.to_vec()).unwrap_or_default()
}

/// The server configuration: TLS 1.2 and 1.3, no client certificates, ALPN `http/1.1`.
/// rustls checks here that `key` belongs to the first certificate of `chain`.
fn server_config(
    provider: &Arc<CryptoProvider>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports rustls's default protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(config)
}

/// The server side of the TLS handshake on an accepted connection, bounded by
/// [`HANDSHAKE_TIMEOUT`]. A failure (a client that does not trust the CA, speaks plain HTTP,
/// offers only `h2` in ALPN, or stays silent) is the caller's to log and drop; it concerns
/// that connection only.
pub(crate) async fn handshake<IO>(acceptor: &TlsAcceptor, io: IO) -> io::Result<TlsStream<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    handshake_within(acceptor, io, HANDSHAKE_TIMEOUT).await
}

/// [`handshake`] with the bound given, so tests need not wait ten seconds.
async fn handshake_within<IO>(
    acceptor: &TlsAcceptor,
    io: IO,
    limit: Duration,
) -> io::Result<TlsStream<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::time::timeout(limit, acceptor.inner.accept(io)).await {
        Ok(done) => done,
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("TLS handshake not finished within {limit:?}"),
        )),
    }
}
