//! Captured emails through `/__admin/emails`: long-polling, ids, eviction, filters and errors.

use std::sync::Arc;

use exchange_um_mock::UmMockServer;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::*;

/// Sends a whole GET on its own connection now; the answer is read later.
async fn send_get(mock: &Mock, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(mock.address()).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        mock.address()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// The status and JSON body of the answer on `stream`.
async fn read_json_answer(mut stream: TcpStream) -> (String, serde_json::Value) {
    let (bytes, _) = read_until_closed(&mut stream).await;
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_string();
    (status, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn a_long_poll_started_first_wakes_when_another_task_resets_a_pin() {
    let mock = Arc::new(Mock::start().await);
    // Both long-polls are on the wire, whole, before the reset is sent.
    let list = send_get(&mock, "/__admin/emails?to=carol@contoso.com&wait_ms=60000").await;
    let latest = send_get(
        &mock,
        "/__admin/emails/latest?mailbox=carol@contoso.com&wait_ms=60000",
    )
    .await;

    let reset = {
        let mock = mock.clone();
        tokio::spawn(async move { mock.reset_pin_ok("carol").await })
    };

    let (status, woken) = read_json_answer(list).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let reply = reset.await.unwrap();
    assert_eq!(woken["total"], 1);
    assert_eq!(woken["emails"][0]["request_id"], reply.request_id());
    assert_eq!(woken["emails"][0]["to"], "carol@contoso.com");
    let (status, latest) = read_json_answer(latest).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(latest, woken["emails"][0]);
}

#[tokio::test]
async fn a_long_poll_that_times_out_answers_an_empty_list_and_latest_answers_404() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;

    let empty = mock.emails("to=carol@contoso.com&wait_ms=20").await;
    let none = mock
        .admin(
            "GET",
            "/__admin/emails/latest?to=carol@contoso.com&wait_ms=20",
            None,
        )
        .await;

    assert_eq!(empty, json!({"total": 0, "evicted": 0, "emails": []}));
    assert_eq!(none.status, 404);
    assert_eq!(none.json(), json!({"error": "no email matches"}));
}

#[tokio::test]
async fn email_ids_keep_counting_after_the_store_is_cleared() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;
    mock.reset_pin_ok("carol").await;

    let cleared = mock.admin("DELETE", "/__admin/emails", None).await;

    assert_eq!(cleared.status, 204);
    assert!(cleared.body.is_empty());
    assert_eq!(
        mock.emails("").await,
        json!({"total": 0, "evicted": 0, "emails": []})
    );
    assert_eq!(
        mock.admin("GET", "/__admin/emails/1", None).await.status,
        404
    );
    mock.reset_pin_ok("alice").await;
    let emails = mock.emails("").await;
    assert_eq!(field(&emails["emails"], "id"), [&json!(3)]);
    assert_eq!(mock.get_json("/__admin/emails/latest").await["id"], 3);
}

#[tokio::test]
async fn a_small_store_drops_the_oldest_emails_and_counts_them() {
    let mock = Mock::with(UmMockServer::builder().max_emails(2)).await;
    for _ in 0..5 {
        mock.reset_pin_ok("alice").await;
    }

    let emails = mock.emails("").await;

    assert_eq!(emails["total"], 2);
    assert_eq!(emails["evicted"], 3);
    assert_eq!(field(&emails["emails"], "id"), [&json!(4), &json!(5)]);
    assert_eq!(
        mock.admin("GET", "/__admin/emails/1", None).await.status,
        404
    );
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["pin"],
        emails["emails"][1]["pin"]
    );

    mock.admin("DELETE", "/__admin/emails", None).await;
    assert_eq!(
        mock.emails("").await["evicted"],
        0,
        "a clear resets the count"
    );
}

#[tokio::test]
async fn the_email_list_filters_by_recipient_and_pages_by_cursor() {
    let mock = Mock::start().await;
    for user in ["alice", "carol", "alice", "erin", "alice"] {
        mock.reset_pin_ok(user).await;
    }

    let alice = mock.emails("to=ALICE@contoso.com").await;
    assert_eq!(alice["total"], 3);
    assert_eq!(
        field(&alice["emails"], "id"),
        [&json!(1), &json!(3), &json!(5)]
    );

    let by_mailbox = mock.emails("mailbox=carol%40contoso.com").await;
    assert_eq!(field(&by_mailbox["emails"], "id"), [&json!(2)]);

    let page = mock.emails("after_id=1&limit=2").await;
    assert_eq!(page["total"], 4, "total counts matches before the limit");
    assert_eq!(field(&page["emails"], "id"), [&json!(2), &json!(3)]);

    let next = mock.emails("after_id=3&limit=2&to=alice@contoso.com").await;
    assert_eq!(next["total"], 1);
    assert_eq!(field(&next["emails"], "id"), [&json!(5)]);

    let latest = mock
        .get_json("/__admin/emails/latest?to=carol@contoso.com")
        .await;
    assert_eq!(latest["id"], 2);
}

#[tokio::test]
async fn bad_email_parameters_get_a_400_that_names_them() {
    let mock = Mock::start().await;
    let cases = [
        ("/__admin/emails?limit=abc", "parameter 'limit'"),
        ("/__admin/emails?after_id=-1", "parameter 'after_id'"),
        ("/__admin/emails?wait_ms=60001", "parameter 'wait_ms'"),
        ("/__admin/emails?color=red", "unknown parameter 'color'"),
        ("/__admin/emails/latest?limit=x", "parameter 'limit'"),
        ("/__admin/emails/abc", "'abc' is not an email id"),
        ("/__admin/emails/abc/raw", "'abc' is not an email id"),
    ];
    for (path, needle) in cases {
        let reply = mock.admin("GET", path, None).await;

        assert_eq!(reply.status, 400, "{path}: {}", reply.text());
        assert_eq!(reply.header("Content-Type"), "application/json");
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(needle), "{path}: {error:?} lacks {needle:?}");
    }
    for path in ["/__admin/emails/7", "/__admin/emails/7/raw"] {
        let reply = mock.admin("GET", path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json(), json!({"error": "no email 7"}));
    }
}

#[tokio::test]
async fn the_library_waits_for_an_email_too() {
    let mock = Mock::start().await;
    let wait = mock
        .server
        .wait_for_email("alice@contoso.com", std::time::Duration::from_secs(60));

    // join! polls the wait first, so it is registered before the reset is sent.
    let (email, reply) = tokio::join!(wait, mock.reset_pin_ok("alice"));

    let email = email.unwrap();
    assert_eq!(email.request_id, Some(reply.request_id()));
    assert_eq!(
        Some(email.pin),
        mock.server.mailbox("alice@contoso.com").unwrap().pin
    );
}

#[tokio::test]
async fn a_value_that_looks_like_a_placeholder_is_written_as_it_is() {
    let mock = Mock::start().await;
    let patched = mock
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(json!({"display_name": "Alice {pin} {domain}"})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());

    mock.reset_pin_ok("alice").await;

    let email = mock.get_json("/__admin/emails/latest").await;
    let text = email["text_body"].as_str().unwrap();
    assert!(
        text.starts_with("Hello Alice {pin} {domain},"),
        "the display name is not a template: {text}"
    );
    assert_eq!(text.matches(email["pin"].as_str().unwrap()).count(), 1);
}
