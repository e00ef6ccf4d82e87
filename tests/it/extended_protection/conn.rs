//! The client side of the Extended Protection tests: servers with a `server` section of their
//! own, hand-built NTLM messages carrying bindings, and keep-alive connections, plain or TLS
//! through rustls (which tell the certificate the server presented).

use std::sync::Arc;

use base64::Engine as _;
use exchange_um_mock::{FixtureSet, UmMockServer};
use md5::{Digest, Md5};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub use crate::support::ntlm::Answer;
use crate::support::ntlm::{authenticate, read_answer, type1, utf16};
use crate::support::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A server with both listeners whose `mock.json` `server` section also has `extra`.
pub async fn server(extra: serde_json::Value) -> UmMockServer {
    let mut json: serde_json::Value = serde_json::from_str(&default_mock_json()).unwrap();
    for (key, value) in extra.as_object().unwrap() {
        json["server"][key] = value.clone();
    }
    UmMockServer::builder()
        .fixtures(FixtureSet::embedded().with_file("mock.json", json.to_string()))
        .https()
        .start()
        .await
        .unwrap()
}

pub async fn protected(setting: &str) -> UmMockServer {
    server(serde_json::json!({ "extended_protection": setting })).await
}

/// What the client's answer carries.
pub enum Response<'a> {
    /// NTLMv2-shaped, its blob's AV pairs holding these bindings. The proof is not computed:
    /// the mailboxes used have no password (the bindings are checked before the password).
    V2 {
        channel: Option<[u8; 16]>,
        target: Option<&'a str>,
    },
    /// A 24-byte NTLMv1 response: no blob, nowhere to put a binding.
    V1,
}

pub fn av(id: u16, value: &[u8]) -> Vec<u8> {
    [
        &id.to_le_bytes()[..],
        &(value.len() as u16).to_le_bytes(),
        value,
    ]
    .concat()
}

/// An NTLM AUTHENTICATE for `CONTOSO\user` with `response`.
pub fn type3(user: &str, response: &Response<'_>) -> Vec<u8> {
    let (lm, nt) = match response {
        Response::V1 => (vec![1u8; 24], vec![2u8; 24]),
        Response::V2 { channel, target } => {
            let mut blob = vec![1, 1, 0, 0, 0, 0, 0, 0];
            blob.extend([0u8; 8]); // timestamp
            blob.extend([0xaa; 8]); // client challenge
            blob.extend([0u8; 4]);
            if let Some(hash) = channel {
                blob.extend(av(10, hash));
            }
            if let Some(target) = target {
                blob.extend(av(9, &utf16(target)));
            }
            blob.extend(av(0, &[]));
            blob.extend([0u8; 4]);
            // The LM response is zero, as with a server timestamp; the NT one is proof + blob.
            (vec![0u8; 24], [vec![0x55u8; 16], blob].concat())
        }
    };
    authenticate(lm, nt, "CONTOSO", user)
}

/// The channel binding a client computes for a certificate signed with SHA-256 (the generated
/// leaf is ECDSA P-256 / SHA-256): MD5 over four zero u32s, the length and the application data.
pub fn binding_for(certificate: &[u8]) -> [u8; 16] {
    let mut application = b"tls-server-end-point:".to_vec();
    application.extend(Sha256::digest(certificate));
    let mut md5 = Md5::new();
    md5.update([0u8; 16]);
    md5.update((application.len() as u32).to_le_bytes());
    md5.update(&application);
    md5.finalize().into()
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// One keep-alive HTTP/1.1 connection, plain or TLS.
pub struct Conn {
    stream: BufReader<Box<dyn Stream>>,
    host: String,
    /// The DER of the certificate the server presented, on TLS.
    certificate: Option<Vec<u8>>,
}

impl Conn {
    /// A plain connection to the http listener, sending `Host: localhost:<port>`.
    pub async fn http(server: &UmMockServer) -> Conn {
        let address = server.address();
        Conn {
            stream: BufReader::new(Box::new(TcpStream::connect(address).await.unwrap())),
            host: format!("localhost:{}", address.port()),
            certificate: None,
        }
    }

    /// A TLS connection to the https listener, trusting the server's generated CA only.
    pub async fn https(server: &UmMockServer) -> Conn {
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(server.ca_pem().unwrap().as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let uri = server.https_uri().unwrap();
        let authority = uri.strip_prefix("https://").unwrap().trim_end_matches('/');
        let port = authority.rsplit_once(':').unwrap().1;
        let tcp = TcpStream::connect(authority).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let certificate = tls.get_ref().1.peer_certificates().unwrap()[0].to_vec();
        Conn {
            stream: BufReader::new(Box::new(tls)),
            host: format!("localhost:{port}"),
            certificate: Some(certificate),
        }
    }

    /// Sends `method path` with `authorization` (and a ResetPIN envelope for a POST); reads
    /// the whole answer.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        authorization: Option<String>,
    ) -> Answer {
        let body = if method == "POST" {
            reset_pin_envelope()
        } else {
            String::new()
        };
        let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {SOAP_CONTENT_TYPE}\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        let stream = self.stream.get_mut();
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        read_answer(&mut self.stream).await
    }

    /// The handshake under `scheme` as `CONTOSO\user` answering with `response`: the
    /// ResetPIN answer of the AUTHENTICATE.
    pub async fn handshake(&mut self, scheme: &str, user: &str, response: &Response<'_>) -> Answer {
        let challenge = self
            .send(
                "POST",
                PATH_2010,
                Some(format!("{scheme} {}", B64.encode(type1()))),
            )
            .await;
        assert_eq!(challenge.status, 401, "{}", challenge.reason());
        let type3 = type3(user, response);
        self.send(
            "POST",
            PATH_2010,
            Some(format!("{scheme} {}", B64.encode(type3))),
        )
        .await
    }

    /// The binding to this connection's certificate.
    pub fn binding(&self) -> [u8; 16] {
        binding_for(self.certificate.as_deref().unwrap())
    }
}

/// An NTLMv2 answer with these bindings.
pub fn v2(channel: Option<[u8; 16]>, target: Option<&str>) -> Response<'_> {
    Response::V2 { channel, target }
}
