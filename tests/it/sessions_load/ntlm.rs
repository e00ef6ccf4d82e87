//! Windows authentication is per connection *and* session: one kept-alive connection that
//! authenticated under one prefix is a stranger under another and at the root, and a handshake
//! there does not end the first.

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{create, session_json};
use crate::support::ntlm::{authenticate, type1};
use crate::support::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One keep-alive HTTP/1.1 connection, spoken by hand so that every request is known to go
/// over it (a dropped connection fails the read).
struct Conn(BufReader<TcpStream>);

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
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
    async fn open(mock: &Mock) -> Conn {
        Conn(BufReader::new(
            TcpStream::connect(mock.address()).await.unwrap(),
        ))
    }

    /// POSTs a ResetPIN envelope to `path` with `authorization`, and reads the whole answer.
    async fn reset_pin(&mut self, path: &str, authorization: Option<String>) -> Answer {
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
        let mut status_line = String::new();
        self.0.read_line(&mut status_line).await.unwrap();
        let status = status_line
            .split(' ')
            .nth(1)
            .unwrap_or_else(|| panic!("no status line (connection closed?): {status_line:?}"))
            .parse()
            .unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let answer = Answer { status, headers };
        let len: usize = answer.all("content-length")[0].parse().unwrap();
        let mut body = vec![0; len];
        self.0.read_exact(&mut body).await.unwrap();
        answer
    }

    /// The NTLM handshake as `CONTOSO\user` with the endpoint at `path`: the ResetPIN answer
    /// of the AUTHENTICATE (the user's mailbox has no password, so any responses do).
    async fn handshake(&mut self, path: &str, user: &str) -> Answer {
        let challenge = self
            .reset_pin(path, Some(format!("NTLM {}", B64.encode(type1()))))
            .await;
        assert_eq!(challenge.status, 401, "{}", challenge.reason());
        assert_eq!(
            challenge.reason(),
            "NTLM challenge sent; the client answers on this connection"
        );
        let type3 = authenticate(vec![1u8; 24], vec![2u8; 24], "CONTOSO", user);
        self.reset_pin(path, Some(format!("NTLM {}", B64.encode(type3))))
            .await
    }
}

/// The `identity` of each entry of a `GET …/__admin/requests` answer.
fn identities(journal: &serde_json::Value) -> Vec<Option<&str>> {
    field(&journal["requests"], "identity")
        .into_iter()
        .map(|identity| identity.as_str())
        .collect()
}

#[tokio::test]
async fn one_connection_authenticates_per_session_and_a_handshake_in_one_does_not_end_another() {
    // Arrange: two sessions, and one connection for everything.
    let mock = Mock::start().await;
    let (a, b) = (create(&mock).await, create(&mock).await);
    let (in_a, in_b) = (a.path(PATH_2010), b.path(PATH_2010));
    let mut conn = Conn::open(&mock).await;

    // Act
    let handshake_a = conn.handshake(&in_a, "alice").await;
    let b_before = conn.reset_pin(&in_b, None).await;
    let handshake_b = conn.handshake(&in_b, "carol").await;
    let a_again = conn.reset_pin(&in_a, None).await;
    let b_again = conn.reset_pin(&in_b, None).await;
    let root = conn.reset_pin(PATH_2010, None).await;

    // Assert: authenticated where it shook hands, as whom it shook hands as there, and nowhere
    // else; A's identity outlived B's handshake without a new one of its own.
    assert_eq!(handshake_a.status, 200, "{}", handshake_a.reason());
    assert_eq!(b_before.status, 401);
    assert_eq!(b_before.all("www-authenticate"), CHALLENGES);
    assert_eq!(handshake_b.status, 200, "{}", handshake_b.reason());
    assert_eq!(a_again.status, 200, "{}", a_again.reason());
    assert_eq!(b_again.status, 200, "{}", b_again.reason());
    assert_eq!(root.status, 401);
    assert_eq!(root.all("www-authenticate"), CHALLENGES);

    let journal_a = session_json(&mock, &a, "/__admin/requests").await;
    assert_eq!(
        identities(&journal_a),
        [None, Some("CONTOSO\\alice"), Some("CONTOSO\\alice")],
        "A: the NEGOTIATE's 401, the AUTHENTICATE, then a request on the kept identity"
    );
    assert_eq!(
        field(&journal_a["requests"], "auth_scheme")[2].as_str(),
        Some("ntlm")
    );
    let journal_b = session_json(&mock, &b, "/__admin/requests").await;
    assert_eq!(
        identities(&journal_b),
        [None, None, Some("CONTOSO\\carol"), Some("CONTOSO\\carol")],
        "B: no credentials, the NEGOTIATE's 401, the AUTHENTICATE, a request on its identity"
    );
    let emails_a = session_json(&mock, &a, "/__admin/emails").await;
    let emails_b = session_json(&mock, &b, "/__admin/emails").await;
    assert_eq!(
        field(&emails_a["emails"], "to"),
        ["alice@contoso.com", "alice@contoso.com"]
    );
    assert_eq!(
        field(&emails_b["emails"], "to"),
        ["carol@contoso.com", "carol@contoso.com"]
    );
    assert!(mock.server.emails().is_empty());
    let at_root = mock.server.requests();
    assert_eq!(at_root.len(), 1, "{at_root:?}");
    assert_eq!(at_root[0].status, Some(401));
    assert_eq!(at_root[0].identity, None);
}
