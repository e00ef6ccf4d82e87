//! NTLM messages as a client writes them, by hand, and a raw keep-alive connection to send
//! them on ([`Conn`]), for the tests that speak NTLM (the connection-bound rules, bad tokens,
//! Extended Protection, a connection across sessions).

use base64::Engine as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{reset_pin_envelope, Mock, SOAP_CONTENT_TYPE};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A string as NTLM carries it with the Unicode flag: UTF-16LE.
pub fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// An NTLM NEGOTIATE (type 1): Unicode, NTLM, request target, extended session security.
pub fn type1() -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(1u32.to_le_bytes());
    m.extend((0x0000_0001u32 | 0x0000_0200 | 0x0000_0004 | 0x0008_0000).to_le_bytes());
    m.extend([0u8; 16]); // no domain, no workstation
    m
}

/// An NTLM AUTHENTICATE (type 3) from workstation `WS01` for `domain\user` with these LM
/// and NT responses, flags Unicode and NTLM: the six fields laid out after the 64-byte
/// header, each described there by its length (twice) and offset.
pub fn authenticate(lm: Vec<u8>, nt: Vec<u8>, domain: &str, user: &str) -> Vec<u8> {
    let fields = [
        lm,
        nt,
        utf16(domain),
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

/// An NTLM AUTHENTICATE (type 3) for `domain\\user` with 24-byte responses: fine for a mailbox
/// without a password, where the double checks identity only.
pub fn type3(domain: &str, user: &str) -> Vec<u8> {
    authenticate(vec![1u8; 24], vec![2u8; 24], domain, user)
}

/// One keep-alive HTTP/1.1 connection, spoken by hand so that every request is known to go
/// over it (a dropped connection fails the read).
pub struct Conn(BufReader<TcpStream>);

/// An answer read off a hand-spoken connection ([`read_answer`]).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Reads one whole HTTP/1.1 answer (status line, headers, a `Content-Length` body) off
/// `stream`, plain or TLS.
pub async fn read_answer<R: AsyncBufRead + Unpin>(stream: &mut R) -> Answer {
    let mut status_line = String::new();
    stream.read_line(&mut status_line).await.unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("no status line (connection closed?): {status_line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
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
    stream.read_exact(&mut body).await.unwrap();
    answer.body = String::from_utf8(body).unwrap();
    answer
}

impl Answer {
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn reason(&self) -> &str {
        self.all("x-exum-reason").first().copied().unwrap_or("")
    }

    /// The token of the one `WWW-Authenticate: <scheme> <token>` line.
    pub fn token(&self, scheme: &str) -> Vec<u8> {
        let lines = self.all("www-authenticate");
        assert_eq!(lines.len(), 1, "{lines:?}");
        let (got, token) = lines[0].split_once(' ').unwrap();
        assert_eq!(got, scheme);
        B64.decode(token).unwrap()
    }
}

impl Conn {
    pub async fn open(mock: &Mock) -> Conn {
        Conn(BufReader::new(
            TcpStream::connect(mock.address()).await.unwrap(),
        ))
    }

    /// POSTs a ResetPIN envelope to `path` with `authorization`, and reads the whole answer.
    pub async fn reset_pin(&mut self, path: &str, authorization: Option<String>) -> Answer {
        let body = reset_pin_envelope();
        let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {SOAP_CONTENT_TYPE}\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.0
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        read_answer(&mut self.0).await
    }

    /// The NTLM handshake as `domain\\user` under `scheme` with the endpoint at `path`: the
    /// ResetPIN answer of the AUTHENTICATE.
    pub async fn handshake(
        &mut self,
        path: &str,
        scheme: &str,
        domain: &str,
        user: &str,
    ) -> Answer {
        let challenge = self
            .reset_pin(path, Some(format!("{scheme} {}", B64.encode(type1()))))
            .await;
        assert_eq!(challenge.status, 401, "{}", challenge.reason());
        assert_eq!(
            challenge.reason(),
            "NTLM challenge sent; the client answers on this connection"
        );
        assert_eq!(&challenge.token(scheme)[..8], b"NTLMSSP\0");
        self.reset_pin(
            path,
            Some(format!("{scheme} {}", B64.encode(type3(domain, user)))),
        )
        .await
    }
}
