//! Windows authentication is per connection *and* session: one kept-alive connection that
//! authenticated under one prefix is a stranger under another and at the root, and a handshake
//! there does not end the first.

use super::{create, session_json};
use crate::support::ntlm::Conn;
use crate::support::*;

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
    let handshake_a = conn.handshake(&in_a, "NTLM", "CONTOSO", "alice").await;
    let b_before = conn.reset_pin(&in_b, None).await;
    let handshake_b = conn.handshake(&in_b, "NTLM", "CONTOSO", "carol").await;
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
