//! What a TLS client sees: real handshakes over loopback sockets with a client that trusts
//! only the CA it was given, and the start-up errors a user reads.

use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

use super::*;

mod constraints;
mod pem_files;
mod state;

/// A folder under the system temp dir, unique to this process and test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("exum-tls-{}-{n}", std::process::id()));
        // A folder left by an earlier process with the same pid would mislead the test.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        // Whatever the umask: a group-writable state folder is refused.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
        }
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn generated(hosts: &[&str], state_dir: Option<&Path>) -> CertSource {
    CertSource::Generated {
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        fqdn: "um01.contoso.com".into(),
        state_dir: state_dir.map(Path::to_owned),
    }
}

/// Serves `tls` on a loopback port: each connection gets the handshake, then `hello`.
async fn serve(tls: &Tls) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let acceptor = tls.acceptor.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake is the client's test to assert on.
                if let Ok(mut stream) = handshake(&acceptor, tcp).await {
                    let _ = stream.write_all(b"hello").await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    address
}

/// A client whose only trust anchors are the certificates in `ca_pem`, offering `alpn`.
fn client(ca_pem: &str, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// Connects to `address` as `name`; the negotiated ALPN protocol and what the server sent.
async fn fetch(
    connector: &TlsConnector,
    address: SocketAddr,
    name: &str,
) -> io::Result<(Option<Vec<u8>>, String)> {
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from(name.to_owned()).map_err(io::Error::other)?;
    let mut stream = connector.connect(name, tcp).await?;
    let alpn = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let mut body = String::new();
    stream.read_to_string(&mut body).await?;
    Ok((alpn, body))
}

/// The rustls error inside a failed handshake.
fn rustls_error(err: &io::Error) -> &rustls::Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .unwrap_or_else(|| panic!("not a rustls error: {err:?}"))
}

#[tokio::test]
async fn a_generated_certificate_is_trusted_through_its_ca_for_loopback_and_the_extra_hosts() {
    // Arrange
    let tls = prepare(&generated(
        &["um01.contoso.com", "0.0.0.0", "10.1.2.3"],
        None,
    ))
    .unwrap();
    let ca_pem = tls.ca_pem.clone().unwrap();
    let address = serve(&tls).await;
    let connector = client(&ca_pem, &[b"http/1.1"]);

    for name in [
        "localhost",
        "127.0.0.1",
        "::1",
        "um01.contoso.com",
        "10.1.2.3",
    ] {
        // Act
        let (alpn, body) = fetch(&connector, address, name).await.unwrap();

        // Assert
        assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]), "{name}");
        assert_eq!(body, "hello", "{name}");
    }
}

#[tokio::test]
async fn a_name_the_certificate_does_not_hold_is_refused_by_the_client() {
    let tls = prepare(&generated(&["um01.contoso.com", "0.0.0.0"], None)).unwrap();
    let address = serve(&tls).await;
    let connector = client(tls.ca_pem.as_deref().unwrap(), &[b"http/1.1"]);

    for name in ["um02.contoso.com", "0.0.0.0"] {
        let err = fetch(&connector, address, name).await.unwrap_err();
        assert!(
            matches!(rustls_error(&err), rustls::Error::InvalidCertificate(_)),
            "{name}: {err}"
        );
    }
}

#[tokio::test]
async fn a_client_trusting_another_generated_ca_refuses_the_certificate() {
    let tls = prepare(&generated(&[], None)).unwrap();
    let other = prepare(&generated(&[], None)).unwrap();
    assert_ne!(tls.ca_pem, other.ca_pem);
    let address = serve(&tls).await;

    let err = fetch(
        &client(other.ca_pem.as_deref().unwrap(), &[]),
        address,
        "localhost",
    )
    .await
    .unwrap_err();

    assert!(
        matches!(rustls_error(&err), rustls::Error::InvalidCertificate(_)),
        "{err}"
    );
}

#[tokio::test]
async fn alpn_is_http_1_1_only() {
    let tls = prepare(&generated(&[], None)).unwrap();
    let ca_pem = tls.ca_pem.clone().unwrap();
    let address = serve(&tls).await;

    // A client offering h2 first still gets HTTP/1.1; one without ALPN is served as well.
    let (alpn, _) = fetch(
        &client(&ca_pem, &[b"h2", b"http/1.1"]),
        address,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    let (alpn, body) = fetch(&client(&ca_pem, &[]), address, "localhost")
        .await
        .unwrap();
    assert_eq!((alpn, body.as_str()), (None, "hello"));

    // A client that will speak h2 only is turned away during the handshake.
    let err = fetch(&client(&ca_pem, &[b"h2"]), address, "localhost")
        .await
        .unwrap_err();
    assert!(
        matches!(rustls_error(&err), rustls::Error::AlertReceived(_)),
        "{err}"
    );
}

#[tokio::test]
async fn a_client_that_never_says_hello_times_the_handshake_out() {
    let tls = prepare(&generated(&[], None)).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _silent = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (tcp, _) = listener.accept().await.unwrap();

    let err = handshake_within(&tls.acceptor, tcp, Duration::from_millis(50))
        .await
        .unwrap_err();

    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
}
