//! `HEAD` on the admin API: every `GET` route answers it as the `GET` without a body, at once:
//! a long-poll does not wait and the event stream is not held open.

use std::time::Duration;

use crate::support::*;

/// `HEAD path` and then `GET /__admin/health` on one connection, pipelined: everything the
/// server sent until it closed. The `GET` is answered only once the `HEAD` is over, so its
/// answer shows the `HEAD` did not hold the connection. The timeout only turns a hang (a
/// `HEAD` that waits 60 s, or a stream that never ends) into a failure that says so.
async fn head_then_health(mock: &Mock, path: &str) -> String {
    let address = mock.address();
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {address}\r\n\r\nGET /__admin/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    let exchange = raw_exchange(address, request.as_bytes());
    let (bytes, _) = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .unwrap_or_else(|_| panic!("HEAD {path} held the connection"));
    String::from_utf8(bytes).unwrap()
}

/// The answers in `text`, split at their status lines.
fn answers(text: &str) -> Vec<&str> {
    text.split("HTTP/1.1 ").filter(|a| !a.is_empty()).collect()
}

#[tokio::test]
async fn head_on_the_email_list_is_the_gets_head_without_its_body() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;
    let get = mock.admin("GET", "/__admin/emails", None).await;

    let head = mock.admin("HEAD", "/__admin/emails", None).await;

    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-type"), get.header("content-type"));
    assert_eq!(head.header("content-length"), get.body.len().to_string());
}

#[tokio::test]
async fn head_on_the_event_stream_answers_its_head_and_closes_it_at_once() {
    let mock = Mock::start().await;

    let text = head_then_health(&mock, "/__admin/events").await;

    let answers = answers(&text);
    assert_eq!(answers.len(), 2, "{text}");
    assert!(answers[0].starts_with("200 OK\r\n"), "{text}");
    assert!(answers[0]
        .to_ascii_lowercase()
        .contains("content-type: text/event-stream\r\n"));
    assert!(answers[0].ends_with("\r\n\r\n"), "no body: {text}");
    assert!(answers[1].starts_with("200 OK\r\n") && answers[1].contains("\"status\":\"ok\""));
}

#[tokio::test]
async fn head_on_a_long_poll_does_not_wait() {
    let mock = Mock::start().await;

    let list = head_then_health(&mock, "/__admin/emails?wait_ms=60000").await;
    let latest = head_then_health(&mock, "/__admin/emails/latest?wait_ms=60000").await;

    let list = answers(&list);
    assert!(list[0].starts_with("200 OK\r\n"), "{list:?}");
    assert!(list[0].ends_with("\r\n\r\n"), "no body: {list:?}");
    assert!(list[1].contains("\"status\":\"ok\""), "{list:?}");
    // The GET would be a 404 after its wait: no email matches. So is the HEAD, at once.
    let latest = answers(&latest);
    assert!(latest[0].starts_with("404 Not Found\r\n"), "{latest:?}");
    assert!(latest[1].contains("\"status\":\"ok\""), "{latest:?}");
}

#[tokio::test]
async fn head_on_a_route_without_get_is_a_405_with_allow() {
    let mock = Mock::start().await;

    let reset = mock.admin("HEAD", "/__admin/reset", None).await;
    let scenario = mock.admin("HEAD", "/__admin/scenarios/1", None).await;

    assert_eq!((reset.status, reset.header("Allow")), (405, "POST"));
    assert_eq!((scenario.status, scenario.header("Allow")), (405, "DELETE"));
}

#[tokio::test]
async fn with_an_admin_token_head_takes_it_as_a_query_parameter_as_the_get_does() {
    let mock = Mock::with(exchange_um_mock::UmMockServer::builder().admin_token("s3cret")).await;

    let without = mock.admin("HEAD", "/__admin/emails", None).await;
    let with = mock
        .admin("HEAD", "/__admin/emails?token=s3cret", None)
        .await;

    assert_eq!(without.status, 401);
    assert_eq!(with.status, 200);
    assert!(with.body.is_empty());
}
