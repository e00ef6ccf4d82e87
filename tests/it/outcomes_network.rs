//! Connection-level outcomes seen from a raw TCP client: reset, close, garbage, and hang (which
//! ends as soon as the server stops); and a stopped server refusing connections.

use std::io::ErrorKind;
use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::*;

async fn script_network(mock: &Mock, fault: &str) {
    mock.add_scenario(json!({
        "mailbox": "alice@contoso.com",
        "operation": "ResetPIN",
        "outcomes": [{"network": fault}],
        "then": "repeat-last",
    }))
    .await;
}

/// The journal entry of the one ResetPIN alice made, which got no HTTP answer.
async fn assert_journaled_without_answer(mock: &Mock, fault: &str) {
    let journal = mock.journal("operation=ResetPIN").await;
    assert_eq!(journal["total"], 1);
    let entry = &journal["requests"][0];
    assert_eq!(entry["outcome"], json!({"network": fault}));
    assert_eq!(entry["scenario"], 2);
    assert_eq!(entry["status"], json!(null));
    assert_eq!(entry["response_body"], json!(null));
    assert_eq!(
        entry["reason"],
        format!("scripted network fault {fault} (scenario 2)")
    );
}

#[tokio::test]
async fn a_reset_outcome_resets_the_connection_without_an_answer() {
    let mock = Mock::start().await;
    script_network(&mock, "reset").await;

    let (received, ended) =
        raw_exchange(mock.address(), &raw_reset_pin(mock.address(), "alice")).await;

    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(ended.unwrap_err().kind(), ErrorKind::ConnectionReset);
    assert_journaled_without_answer(&mock, "reset").await;
    assert_eq!(mock.emails("").await["total"], 0);
    mock.reset_pin_ok("carol").await;
}

#[tokio::test]
async fn a_close_outcome_ends_the_connection_with_no_response() {
    let mock = Mock::start().await;
    script_network(&mock, "close").await;

    let (received, ended) =
        raw_exchange(mock.address(), &raw_reset_pin(mock.address(), "alice")).await;

    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert!(ended.is_ok(), "a plain close (EOF), not a reset: {ended:?}");
    assert_journaled_without_answer(&mock, "close").await;
    mock.reset_pin_ok("carol").await;
}

#[tokio::test]
async fn a_garbage_outcome_sends_bytes_that_are_not_http_then_closes() {
    let mock = Mock::start().await;
    script_network(&mock, "garbage").await;

    let (received, _) = raw_exchange(mock.address(), &raw_reset_pin(mock.address(), "alice")).await;

    assert!(!received.is_empty());
    assert!(!received.starts_with(b"HTTP/"), "{received:?}");
    assert_eq!(received[0], 0);
    assert_journaled_without_answer(&mock, "garbage").await;

    let client_sees = mock
        .client
        .post(mock.url(PATH_2010))
        .header("Authorization", basic("alice", "x"))
        .body(reset_pin_envelope())
        .send()
        .await;
    assert!(
        client_sees.is_err(),
        "an HTTP client gets an error, not a response"
    );
    mock.reset_pin_ok("carol").await;
}

#[tokio::test]
async fn a_hang_outcome_never_answers_and_ends_when_the_server_stops() {
    let mock = Mock::start().await;
    script_network(&mock, "hang").await;
    let mut hanging = TcpStream::connect(mock.address()).await.unwrap();
    hanging
        .write_all(&raw_reset_pin(mock.address(), "alice"))
        .await
        .unwrap();

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(mock.url(PATH_2010))
        .header("Authorization", basic("alice", "x"))
        .body(reset_pin_envelope())
        .send()
        .await
        .unwrap_err();
    assert!(gave_up.is_timeout(), "{gave_up:?}");

    let journal = mock.journal("operation=ResetPIN").await;
    assert_eq!(journal["total"], 2, "both requests are held by the server");
    assert_eq!(
        field(&journal["requests"], "status"),
        [&json!(null), &json!(null)]
    );
    mock.reset_pin_ok("carol").await; // other connections are served meanwhile

    mock.server.shutdown().await;

    // Ordering, not timing: the hanging connection was closed before shutdown() returned. Read
    // the socket itself (non-blocking): tokio's try_read would trust readiness its reactor may
    // not have seen yet.
    let mut hanging = hanging.into_std().unwrap();
    let mut buffer = [0u8; 64];
    match std::io::Read::read(&mut hanging, &mut buffer) {
        Ok(0) => {}
        Ok(n) => panic!("a hanging request got an answer: {:?}", &buffer[..n]),
        Err(error) if error.kind() == ErrorKind::WouldBlock => {
            panic!("the hanging connection was still open after shutdown() returned")
        }
        Err(error) => assert_eq!(error.kind(), ErrorKind::ConnectionReset),
    }
}

#[tokio::test]
async fn a_given_listener_is_served_and_shutdown_stops_accepting() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = exchange_um_mock::UmMockServer::builder()
        .listener(listener)
        .start()
        .await
        .unwrap();
    assert_eq!(server.address(), address);
    let mock = Mock {
        server,
        client: reqwest::Client::new(),
    };
    mock.reset_pin_ok("alice").await;

    mock.server.shutdown().await;

    let refused = tokio::net::TcpStream::connect(address).await;
    assert_eq!(
        refused.unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused
    );
}
