//! The builder's HTTPS settings: a generated certificate or the user's, and what is done with
//! the generated CA; at start, the TLS acceptor made from them.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::UmMockServerBuilder;
use crate::error::Error;
use crate::server::listeners::Scheme;
use crate::server::tls;
#[cfg(feature = "tls")]
use crate::server::tls::CertSource;
use crate::state::Shared;

/// The user's certificate and key.
#[cfg_attr(
    not(feature = "tls"),
    expect(
        dead_code,
        reason = "built without TLS, a certificate only refuses to start"
    )
)]
pub(super) enum Certificate {
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

impl UmMockServerBuilder {
    /// Also serve HTTPS, on `127.0.0.1:0`, with a certificate generated at start and signed
    /// by a generated CA that [`UmMockServer::ca_pem`](crate::UmMockServer::ca_pem) gives (trust it in the client).
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
    /// [`UmMockServer::ca_pem`](crate::UmMockServer::ca_pem) is `None`.
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
    ///
    /// `dir` is created with mode 0700 when missing. Because clients trust that CA, starting
    /// fails when `dir` is writable by its group or by others, or when a CA file in it is a
    /// symlink or belongs to another user.
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
}

impl UmMockServerBuilder {
    /// The acceptor the `https` listeners share: the user's certificate, or a leaf signed by a
    /// generated CA (written to `tls_ca_out` and kept for `GET /__admin/ca.pem`).
    #[cfg(feature = "tls")]
    pub(super) fn tls_acceptor(
        self,
        shared: &Shared,
        ready: &[(Scheme, SocketAddr, std::net::TcpListener)],
    ) -> Result<tls::TlsAcceptor, Error> {
        let source = match self.certificate {
            Some(Certificate::Files { cert, key }) => CertSource::Pem { cert, key },
            Some(Certificate::Pem { cert, key }) => CertSource::PemText { cert, key },
            None => {
                let mut hosts = self.tls_hosts;
                hosts.extend(ready.iter().map(|(_, address, _)| address.ip().to_string()));
                let fqdn = shared.with(|world| world.fqdn().to_owned());
                hosts.push(fqdn.clone());
                CertSource::Generated {
                    hosts,
                    fqdn,
                    state_dir: self.tls_state,
                }
            }
        };
        let tls = tls::prepare(&source).map_err(Error::tls)?;
        if let Some(pem) = tls.ca_pem {
            if let Some(path) = &self.tls_ca_out {
                std::fs::write(path, &pem).map_err(|error| {
                    Error::tls(std::io::Error::new(
                        error.kind(),
                        format!(
                            "cannot write the CA certificate to {}: {error}",
                            path.display()
                        ),
                    ))
                })?;
            }
            shared.set_ca_pem(pem);
        }
        Ok(tls.acceptor)
    }

    /// Built without the `tls` feature there is no acceptor: an `https` listener is refused.
    #[cfg(not(feature = "tls"))]
    pub(super) fn tls_acceptor(
        self,
        _shared: &Shared,
        _ready: &[(Scheme, SocketAddr, std::net::TcpListener)],
    ) -> Result<tls::TlsAcceptor, Error> {
        Err(Error::tls(tls::unavailable()))
    }
}
