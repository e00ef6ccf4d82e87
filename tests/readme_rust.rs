//! The example of `docs/library.md` ("Add it to a test"), verbatim below the marker line,
//! compiled and run so the docs cannot show code that does not work (`tests/it/readme.rs`
//! checks that the two are identical). Plain `cargo test` runs all of it but the last test,
//! which needs the `wiremock` feature (`cargo test --all-features`, as CI runs).
// ---- docs/library.md example below ----
use std::time::Duration;

use exchange_um_mock::{Operation, Outcome, Scenario, UmMockServer};

const RESET_PIN: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

/// Stands in for your client code: POST ResetPIN as `user`, return the HTTP status.
async fn reset_pin(endpoint: &str, user: &str) -> u16 {
    reqwest::Client::new()
        .post(endpoint)
        .basic_auth(user, Some("any password"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(RESET_PIN)
        .send()
        .await
        .expect("the double answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_helpdesk_reset_sends_alice_a_new_pin() {
    // Arrange: embedded fixtures, 127.0.0.1, a free port, reproducible PINs.
    let server = UmMockServer::builder().seed(7).start().await.unwrap();
    server
        .expect(Operation::ResetPin)
        .for_mailbox("alice@contoso.com")
        .times(1);

    // Act
    let status = reset_pin(&server.service_url(), "CONTOSO\\alice").await;

    // Assert
    assert_eq!(status, 200);
    let email = server
        .wait_for_email("alice@contoso.com", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        Some(email.pin),
        server.mailbox("alice@contoso.com").unwrap().pin
    );
} // dropping the server stops it and verifies the expectation

#[tokio::test]
async fn a_busy_exchange_answers_a_fault_then_recovers() {
    // Arrange: alice's next ResetPIN replays the canned "server busy" fault.
    let server = UmMockServer::start().await;
    server
        .add_scenario(
            Scenario::new("alice@contoso.com", "ResetPIN")
                .outcome(Outcome::fixture("ResetPIN/server-busy")),
        )
        .unwrap();

    // Act
    let first = reset_pin(&server.service_url(), "alice").await;
    let second = reset_pin(&server.service_url(), "alice").await;

    // Assert: the journal says why each answer was given.
    assert_eq!((first, second), (500, 200));
    let reasons: Vec<_> = server.requests().into_iter().map(|r| r.reason).collect();
    assert_eq!(
        reasons[0].as_deref(),
        Some("replayed canned response 'ResetPIN/server-busy' (scenario 2)")
    );
    assert_eq!(server.emails().len(), 1);
}

#[test]
fn a_plain_test_needs_no_async_runtime_for_the_server() {
    // Arrange: start() awaits nothing; any executor (here Tokio's) can drive it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(UmMockServer::start());

    // Act
    let status = runtime.block_on(reset_pin(&server.service_url(), "alice"));

    // Assert
    assert_eq!(status, 200);
    assert_eq!(server.emails_to("alice@contoso.com").len(), 1);
}

// With `features = ["wiremock"]`: the double inside a wiremock MockServer you already run.
// The cfg line names a feature of the crate the test is in: keep it if yours has one that
// forwards to `exchange-um-mock/wiremock`, drop it otherwise.
#[cfg(feature = "wiremock")]
#[tokio::test]
async fn the_double_mounts_inside_a_wiremock_server() {
    use exchange_um_mock::UmResponder;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer};

    // Arrange
    let mock_server = MockServer::start().await;
    let responder = UmResponder::new();
    Mock::given(method("POST"))
        .and(path("/EWS/UM2007Legacy.asmx"))
        .respond_with(responder.clone())
        .mount(&mock_server)
        .await;

    // Act
    let status = reset_pin(
        &format!("{}/EWS/UM2007Legacy.asmx", mock_server.uri()),
        "alice",
    )
    .await;

    // Assert: the responder keeps the state; verify its expectations explicitly.
    assert_eq!(status, 200);
    let email = responder
        .wait_for_email("alice@contoso.com", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        Some(email.pin),
        responder.mailbox("alice@contoso.com").unwrap().pin
    );
    responder.verify();
}
