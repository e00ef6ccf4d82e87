//! Extended Protection and "Require SSL" as a client meets them, on real keep-alive
//! connections (TLS ones through rustls, reading the certificate the server presented): NTLM
//! answers bound to the channel or not, under each setting; service bindings on plain http;
//! Basic untouched; IIS's 403 on plain http before any authentication.

use std::sync::Arc;

use base64::Engine as _;
use exchange_um_mock::{FixtureSet, UmMockServer};
use md5::{Digest, Md5};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::support::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A server with both listeners whose `mock.json` `server` section also has `extra`.
async fn server(extra: serde_json::Value) -> UmMockServer {
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

async fn protected(setting: &str) -> UmMockServer {
    server(serde_json::json!({ "extended_protection": setting })).await
}

/// An NTLM NEGOTIATE: Unicode, NTLM, request target, extended session security.
fn type1() -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(1u32.to_le_bytes());
    m.extend((0x0000_0001u32 | 0x0000_0200 | 0x0000_0004 | 0x0008_0000).to_le_bytes());
    m.extend([0u8; 16]);
    m
}

/// What the client's answer carries.
enum Response<'a> {
    /// NTLMv2-shaped, its blob's AV pairs holding these bindings. The proof is not computed:
    /// the mailboxes used have no password (the bindings are checked before the password).
    V2 {
        channel: Option<[u8; 16]>,
        target: Option<&'a str>,
    },
    /// A 24-byte NTLMv1 response: no blob, nowhere to put a binding.
    V1,
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn av(id: u16, value: &[u8]) -> Vec<u8> {
    [
        &id.to_le_bytes()[..],
        &(value.len() as u16).to_le_bytes(),
        value,
    ]
    .concat()
}

/// An NTLM AUTHENTICATE for `CONTOSO\user` with `response`.
fn type3(user: &str, response: &Response<'_>) -> Vec<u8> {
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
    let fields = [
        lm,
        nt,
        utf16("CONTOSO"),
        utf16(user),
        utf16("WS01"),
        Vec::new(),
    ];
    let mut header = b"NTLMSSP\0".to_vec();
    header.extend(3u32.to_le_bytes());
    let mut payload: Vec<u8> = Vec::new();
    for field in &fields {
        let len = field.len() as u16;
        header.extend(len.to_le_bytes());
        header.extend(len.to_le_bytes());
        header.extend((64 + payload.len() as u32).to_le_bytes());
        payload.extend(field);
    }
    header.extend((0x0000_0001u32 | 0x0000_0200).to_le_bytes());
    header.extend(payload);
    header
}

/// The channel binding a client computes for a certificate signed with SHA-256 (the generated
/// leaf is ECDSA P-256 / SHA-256): MD5 over four zero u32s, the length and the application data.
fn binding_for(certificate: &[u8]) -> [u8; 16] {
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
struct Conn {
    stream: BufReader<Box<dyn Stream>>,
    host: String,
    /// The DER of the certificate the server presented, on TLS.
    certificate: Option<Vec<u8>>,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn reason(&self) -> &str {
        self.all("x-exum-reason").first().copied().unwrap_or("")
    }
}

impl Conn {
    /// A plain connection to the http listener, sending `Host: localhost:<port>`.
    async fn http(server: &UmMockServer) -> Conn {
        let address = server.address();
        Conn {
            stream: BufReader::new(Box::new(TcpStream::connect(address).await.unwrap())),
            host: format!("localhost:{}", address.port()),
            certificate: None,
        }
    }

    /// A TLS connection to the https listener, trusting the server's generated CA only.
    async fn https(server: &UmMockServer) -> Conn {
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
    async fn send(&mut self, method: &str, path: &str, authorization: Option<String>) -> Answer {
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
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await.unwrap();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut answer = Answer {
            status,
            headers,
            body: String::new(),
        };
        let len: usize = answer.all("content-length")[0].parse().unwrap();
        let mut body = vec![0; len];
        self.stream.read_exact(&mut body).await.unwrap();
        answer.body = String::from_utf8(body).unwrap();
        answer
    }

    /// The handshake under `scheme` as `CONTOSO\user` answering with `response`: the
    /// ResetPIN answer of the AUTHENTICATE.
    async fn handshake(&mut self, scheme: &str, user: &str, response: &Response<'_>) -> Answer {
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
    fn binding(&self) -> [u8; 16] {
        binding_for(self.certificate.as_deref().unwrap())
    }
}

/// An NTLMv2 answer with these bindings.
fn v2(channel: Option<[u8; 16]>, target: Option<&str>) -> Response<'_> {
    Response::V2 { channel, target }
}

/// The three challenge lines of a 401 under the default `server.auth`.
const CHALLENGES: [&str; 3] = ["Negotiate", "NTLM", "Basic realm=\"exchange-um-mock\""];

#[tokio::test]
async fn under_require_a_channel_binding_to_the_served_certificate_is_a_200_and_none_is_a_401() {
    let server = protected("require").await;

    let mut bound = Conn::https(&server).await;
    let binding = bound.binding();
    let ok = bound
        .handshake("NTLM", "alice", &v2(Some(binding), None))
        .await;
    let mut unbound = Conn::https(&server).await;
    let refused = unbound.handshake("NTLM", "alice", &v2(None, None)).await;
    let mut zero = Conn::https(&server).await;
    let zeroed = zero
        .handshake("NTLM", "alice", &v2(Some([0; 16]), None))
        .await;

    assert_eq!(ok.status, 200, "{}", ok.reason());
    let reason = "Extended Protection: the NTLM response carries no channel binding \
                  (server.extended_protection is \"require\")";
    for answer in [&refused, &zeroed] {
        assert_eq!(answer.status, 401);
        assert_eq!(answer.reason(), reason);
        assert_eq!(answer.all("www-authenticate"), CHALLENGES);
    }
    let journal = server.requests();
    let last = journal.last().unwrap();
    assert_eq!(last.reason.as_deref(), Some(reason));
    assert_eq!(last.status, Some(401));
    assert_eq!(last.identity.as_deref(), Some("CONTOSO\\alice"));
    assert_eq!(server.emails_to("alice@contoso.com").len(), 1);
}

#[tokio::test]
async fn a_wrong_channel_binding_is_a_401_under_allow_and_require_and_let_in_under_none() {
    let mut outcomes = Vec::new();
    for setting in ["none", "allow", "require"] {
        let server = protected(setting).await;
        let mut conn = Conn::https(&server).await;
        // A binding to another certificate: what a relayed handshake carries.
        let relayed = binding_for(b"another server's certificate");
        let answer = conn
            .handshake("NTLM", "alice", &v2(Some(relayed), None))
            .await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200);
    for (status, reason) in &outcomes[1..] {
        assert_eq!(*status, 401);
        assert!(
            reason.starts_with(
                "Extended Protection: the NTLM response's channel binding does not match the \
                 TLS certificate this connection was served with (tls-server-end-point, SHA-256)"
            ),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn allow_lets_a_client_without_channel_bindings_in() {
    let server = protected("allow").await;

    let mut absent = Conn::https(&server).await;
    let without = absent.handshake("NTLM", "alice", &v2(None, None)).await;
    let mut bound = Conn::https(&server).await;
    let binding = bound.binding();
    let with = bound
        .handshake("Negotiate", "alice", &v2(Some(binding), None))
        .await;

    assert_eq!(without.status, 200, "{}", without.reason());
    assert_eq!(with.status, 200, "{}", with.reason());
}

#[tokio::test]
async fn ntlm_v1_cannot_carry_a_binding_so_require_refuses_it_and_allow_lets_it_in() {
    let mut outcomes = Vec::new();
    for setting in ["allow", "require"] {
        let server = server(serde_json::json!({
            "extended_protection": setting,
            "ntlm_challenge": "no-ess",
        }))
        .await;
        let mut conn = Conn::https(&server).await;
        let answer = conn.handshake("NTLM", "alice", &Response::V1).await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200, "{}", outcomes[0].1);
    assert_eq!(outcomes[1].0, 401);
    assert_eq!(
        outcomes[1].1,
        "Extended Protection: the NTLM response carries no channel binding: the client answered \
         with NTLMv1, which cannot carry one (server.extended_protection is \"require\")"
    );
}

#[tokio::test]
async fn on_plain_http_the_service_binding_must_name_the_host_or_the_fqdn() {
    let server = protected("require").await;
    let mut outcomes = Vec::new();
    for target in [
        Some("HTTP/localhost"),
        Some("HTTP/UM01.contoso.com"),
        Some("HTTP/relay.example"),
        None,
    ] {
        let mut conn = Conn::http(&server).await;
        let answer = conn.handshake("NTLM", "alice", &v2(None, target)).await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200, "{}", outcomes[0].1);
    assert_eq!(outcomes[1].0, 200, "{}", outcomes[1].1);
    assert_eq!(
        outcomes[2],
        (
            401,
            "Extended Protection: the NTLM response's service binding 'HTTP/relay.example' is not \
             HTTP/localhost or HTTP/um01.contoso.com (server.extended_protection is \"require\")"
                .to_string()
        )
    );
    assert_eq!(
        outcomes[3],
        (
            401,
            "Extended Protection: the NTLM response carries no service binding (MsvAvTargetName; \
             expected HTTP/localhost or HTTP/um01.contoso.com) (server.extended_protection is \
             \"require\")"
                .to_string()
        )
    );
}

#[tokio::test]
async fn the_binding_is_checked_before_the_password_of_a_mailbox_that_has_one() {
    let server = protected("require").await;
    let mut conn = Conn::https(&server).await;

    // dave has a password; the proof here is not computed from it either.
    let answer = conn.handshake("NTLM", "dave", &v2(None, None)).await;

    assert_eq!(answer.status, 401);
    assert!(
        answer.reason().contains("carries no channel binding"),
        "{}",
        answer.reason()
    );
}

#[tokio::test]
async fn basic_is_not_affected_by_extended_protection() {
    let server = protected("require").await;
    let auth = basic("dave", DAVE_PASSWORD);

    let mut tls = Conn::https(&server).await;
    let over_tls = tls.send("POST", PATH_2010, Some(auth.clone())).await;
    let mut plain = Conn::http(&server).await;
    let over_http = plain.send("POST", PATH_2010, Some(auth)).await;

    // dave's first ResetPIN is scripted "server busy": answered, so authenticated.
    assert_eq!(over_tls.status, 500, "{}", over_tls.reason());
    assert_ne!(over_http.status, 401, "{}", over_http.reason());
    assert_eq!(server.requests().len(), 2);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.identity.as_deref() == Some("dave")));
}

#[tokio::test]
async fn require_ssl_answers_soap_wsdl_and_autodiscover_on_http_with_iis_403_before_authentication()
{
    let server = server(serde_json::json!({ "require_ssl": true })).await;
    let mut plain = Conn::http(&server).await;

    let without_credentials = plain.send("POST", PATH_2010, None).await;
    let with_credentials = plain
        .send("POST", PATH_2010, Some(basic("dave", DAVE_PASSWORD)))
        .await;
    let wsdl = plain.send("GET", &format!("{PATH_2010}?wsdl"), None).await;
    let autodiscover = plain
        .send("POST", "/autodiscover/autodiscover.xml", None)
        .await;

    for answer in [
        &without_credentials,
        &with_credentials,
        &wsdl,
        &autodiscover,
    ] {
        assert_eq!(answer.status, 403);
        assert_eq!(answer.body, "403 - Forbidden: Access is denied.");
        assert_eq!(answer.reason(), "SSL is required");
        assert!(answer.all("www-authenticate").is_empty());
    }
    let journal = server.requests();
    assert_eq!(journal.len(), 4);
    for entry in &journal {
        assert_eq!(entry.status, Some(403));
        assert_eq!(entry.reason.as_deref(), Some("SSL is required"));
        assert_eq!(entry.identity, None);
    }
    assert!(server.emails().is_empty());
}

#[tokio::test]
async fn require_ssl_leaves_https_and_the_admin_api_alone() {
    let server = server(serde_json::json!({ "require_ssl": true })).await;

    let mut tls = Conn::https(&server).await;
    let over_tls = tls.send("POST", PATH_2010, Some(basic("alice", "x"))).await;
    let mut plain = Conn::http(&server).await;
    let admin = plain.send("GET", "/__admin/mailboxes", None).await;

    assert_eq!(over_tls.status, 200, "{}", over_tls.reason());
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.body.contains("alice@contoso.com"));
}
