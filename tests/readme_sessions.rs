//! The Rust example of README.md's "Parallel tests: sessions", verbatim below the marker line,
//! compiled and run so the README cannot show code that does not work (`tests/it/readme.rs`
//! checks that the two are identical). The test above the marker runs at the same time on the
//! same server, as `cargo test` runs tests: each counts only its own emails, which holds because
//! each has a session of its own.

#[tokio::test]
async fn another_test_at_the_same_time_counts_only_its_own_emails() {
    let session = server().session().await.unwrap();
    let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

    for _ in 0..3 {
        let answer = reqwest::Client::new()
            .post(session.service_url())
            .basic_auth("alice", Some("pw"))
            .body(envelope)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }

    assert_eq!(session.emails_to("alice@contoso.com").len(), 3);
    assert!(server().emails().is_empty());
}

// ---- README.md example below ----
use std::sync::OnceLock;

use exchange_um_mock::UmMockServer;

/// One server for every test of the binary, started by the first that asks.
fn server() -> &'static UmMockServer {
    static SERVER: OnceLock<UmMockServer> = OnceLock::new();
    SERVER.get_or_init(|| futures::executor::block_on(UmMockServer::start()))
}

#[tokio::test]
async fn a_reset_sends_alice_one_email() {
    // Arrange: a double of this test's own; other tests use the server at the same time.
    let session = server().session().await.unwrap();
    let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

    // Act: your client code, given the session's URL.
    let answer = reqwest::Client::new()
        .post(session.service_url())
        .basic_auth("alice", Some("pw"))
        .body(envelope)
        .send()
        .await
        .unwrap();

    // Assert: only this test's email is there.
    assert_eq!(answer.status(), 200);
    assert_eq!(session.emails_to("alice@contoso.com").len(), 1);
} // dropping the session ends it
