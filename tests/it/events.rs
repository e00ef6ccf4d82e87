//! `GET /__admin/events`: Server-Sent Events of every change.

use std::time::Duration;

use exchange_um_mock::UmMockServer;
use serde_json::Value;

use crate::support::Mock;

/// One Server-Sent Event as read off the wire.
#[derive(Debug)]
pub(crate) struct Sse {
    pub(crate) id: u64,
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// Reads an event stream a chunk at a time and splits it into events.
pub(crate) struct Stream {
    response: reqwest::Response,
    buffer: String,
    /// Every byte read so far, for framing checks.
    raw: String,
}

impl Stream {
    pub(crate) async fn open(mock: &Mock, query: &str, last_event_id: Option<u64>) -> Stream {
        Stream::open_at(mock, &format!("/__admin/events{query}"), last_event_id).await
    }

    /// The stream at `path` (a session's is under its prefix).
    pub(crate) async fn open_at(mock: &Mock, path: &str, last_event_id: Option<u64>) -> Stream {
        let mut request = mock.client.get(mock.url(path));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        Stream {
            response,
            buffer: String::new(),
            raw: String::new(),
        }
    }

    /// The next event (comment blocks skipped); panics after 10 s without one.
    pub(crate) async fn next(&mut self) -> Sse {
        tokio::time::timeout(Duration::from_secs(10), self.next_block())
            .await
            .expect("an event within 10 s")
            .expect("the stream is still open")
    }

    async fn next_block(&mut self) -> Option<Sse> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let block = block.trim_end_matches('\n');
                let mut fields = (None, None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        fields.0 = Some(v.parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        fields.1 = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        fields.2 = Some(serde_json::from_str(v).unwrap());
                    } else {
                        assert!(line.starts_with(':'), "not an SSE line: {line:?}");
                    }
                }
                if let (Some(id), Some(event), Some(data)) = fields {
                    return Some(Sse { id, event, data });
                }
            }
            let chunk = self.response.chunk().await.unwrap()?;
            let text = std::str::from_utf8(&chunk).unwrap();
            self.buffer.push_str(text);
            self.raw.push_str(text);
        }
    }

    /// True if the server ends the stream before sending another event; panics after 10 s
    /// with the stream still open.
    pub(crate) async fn ends(&mut self) -> bool {
        tokio::time::timeout(Duration::from_secs(10), self.next_block())
            .await
            .expect("the stream ends within 10 s")
            .is_none()
    }

    /// True if no event arrives within `wait`.
    async fn quiet_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.next_block()).await.is_err()
    }
}

#[tokio::test]
async fn a_reset_pin_is_streamed_as_framed_events_with_ids_counting_up_by_one() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "", None).await;

    // Act
    let reply = mock.reset_pin_ok("alice").await;

    // Assert: a mailbox, an email and a request event, ids 1, 2, 3.
    let events = [
        stream.next().await,
        stream.next().await,
        stream.next().await,
    ];
    let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    let by_kind = |kind: &str| events.iter().find(|e| e.event == kind).unwrap();
    let email = &by_kind("email").data;
    let request = &by_kind("request").data;
    let mailbox = &by_kind("mailbox").data;
    assert_eq!(request["id"], reply.request_id());
    assert_eq!(request["status"], 200);
    assert!(request.get("body").is_none() && request.get("response_body").is_none());
    // The journal entry without its bodies: everything else as GET /__admin/requests has it.
    let mut journaled = mock.journal_entry(reply.request_id()).await;
    journaled.as_object_mut().unwrap().remove("body");
    journaled.as_object_mut().unwrap().remove("response_body");
    assert_eq!(request["headers"]["authorization"], "Basic [redacted]");
    assert_eq!(request, &journaled);
    assert_eq!(email["request_id"], reply.request_id());
    assert_eq!(mailbox["pin"], email["pin"]);
    assert_eq!(mailbox, &mock.mailbox("alice@contoso.com").await);
    // Framing: `id:`, `event:`, `data:` lines, each event closed by a blank line.
    let first = stream.raw.find("id: 1\n").unwrap();
    let block = &stream.raw[first..];
    let block = &block[..block.find("\n\n").unwrap() + 2];
    assert!(
        block.starts_with(&format!("id: 1\nevent: {}\ndata: {{", events[0].event)),
        "{block}"
    );
    assert_eq!(block.matches('\n').count(), 4, "{block}");
}

#[tokio::test]
async fn admin_changes_are_streamed_as_mailbox_scenario_and_reset_events() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "", None).await;

    // Act
    let patched = mock
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(serde_json::json!({"locked_out": true})),
        )
        .await;
    let scenario = mock
        .add_scenario(serde_json::json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"fault": "UserNotUmEnabledException"}]}))
        .await;
    mock.admin("POST", "/__admin/reset", None).await;

    // Assert
    let (a, b, c) = (
        stream.next().await,
        stream.next().await,
        stream.next().await,
    );
    assert_eq!((a.id, a.event.as_str()), (1, "mailbox"));
    assert_eq!(a.data, patched.json());
    assert_eq!((b.id, b.event.as_str()), (2, "scenario"));
    assert_eq!(b.data, scenario);
    assert_eq!((c.id, c.event.as_str()), (3, "reset"));
    assert_eq!(c.data, serde_json::json!({}));
}

#[tokio::test]
async fn a_client_reconnecting_with_last_event_id_gets_what_it_missed() {
    // Arrange: four events (two ResetPINs' worth are six), the client saw up to 2.
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;
    mock.reset_pin_ok("alice").await;

    // Act
    let mut stream = Stream::open(&mock, "", Some(2)).await;

    // Assert
    let ids = [
        stream.next().await.id,
        stream.next().await.id,
        stream.next().await.id,
        stream.next().await.id,
    ];
    assert_eq!(ids, [3, 4, 5, 6]);
    assert!(stream.quiet_for(Duration::from_millis(200)).await);
}

#[tokio::test]
async fn a_new_client_without_last_event_id_gets_only_new_events() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;

    let mut stream = Stream::open(&mock, "", None).await;
    mock.admin("POST", "/__admin/reset", None).await;

    let event = stream.next().await;
    assert_eq!((event.id, event.event.as_str()), (4, "reset"));
}

#[tokio::test]
async fn the_types_parameter_filters_the_stream() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "?types=email,reset", None).await;

    // Act
    mock.reset_pin_ok("alice").await;
    mock.admin("POST", "/__admin/reset", None).await;

    // Assert: the request and mailbox events (ids 1 and 3 or so) are left out.
    let (email, reset) = (stream.next().await, stream.next().await);
    assert_eq!(email.event, "email");
    assert_eq!((reset.id, reset.event.as_str()), (4, "reset"));
    let unknown = mock
        .admin("GET", "/__admin/events?types=emails", None)
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.json()["error"].as_str().unwrap().contains("emails"));
    for nothing in ["", ",", " , "] {
        let empty = mock
            .admin("GET", &format!("/__admin/events?types={nothing}"), None)
            .await;
        assert_eq!(empty.status, 400, "types={nothing:?}: {}", empty.text());
        assert!(empty.json()["error"]
            .as_str()
            .unwrap()
            .contains("no event type"));
    }
}

#[tokio::test]
async fn an_open_stream_ends_promptly_when_the_server_shuts_down() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "", None).await;

    // Act
    let started = std::time::Instant::now();
    let Mock { server, .. } = mock;
    server.shutdown().await;

    // Assert: shutdown did not wait out the 5 s drain, and the stream has ended.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let end = tokio::time::timeout(Duration::from_secs(2), stream.next_block()).await;
    assert!(matches!(end, Ok(None)), "the stream ended");
}

#[tokio::test]
async fn with_an_admin_token_the_stream_and_other_gets_take_it_as_a_query_parameter() {
    // Arrange
    let mock = Mock::with(UmMockServer::builder().admin_token("s3cret")).await;

    // Act
    let without = mock.admin("GET", "/__admin/events", None).await;
    let wrong = mock.admin("GET", "/__admin/events?token=nope", None).await;
    let mut stream = Stream::open(&mock, "?token=s3cret", None).await;
    let read = mock
        .admin("GET", "/__admin/emails?token=s3cret", None)
        .await;
    let change = mock
        .admin("POST", "/__admin/reset?token=s3cret", None)
        .await;
    mock.reset_pin_ok("alice").await;

    // Assert: ?token= opens what a browser GETs by itself (the stream, the page's links),
    // never a change.
    assert_eq!(without.status, 401);
    assert_eq!(wrong.status, 401);
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(change.status, 401, "a change needs the Bearer header");
    assert_eq!(stream.next().await.id, 1);
}

#[tokio::test]
async fn phone_logons_and_pin_changes_are_streamed_as_mailbox_events() {
    // Arrange: erin is locked out; a reset gives her a PIN to sign in with.
    let mock = Mock::start().await;
    let erin = "erin@contoso.com";
    mock.reset_pin_ok("erin").await;
    let emailed = mock.get_json("/__admin/emails/latest").await["pin"]
        .as_str()
        .unwrap()
        .to_string();
    let mut stream = Stream::open(&mock, "?types=mailbox,email", None).await;

    // Act
    crate::phone::logon(&mock, erin, &emailed).await;
    let changed = crate::phone::change_pin(&mock, erin, &emailed, "8642").await;

    // Assert: each change is one mailbox event carrying the state the admin API shows.
    assert_eq!(changed.status, 200, "{}", changed.text());
    let (logon, change) = (stream.next().await, stream.next().await);
    assert_eq!(logon.event, "mailbox");
    assert_eq!(logon.data["pin"], emailed.as_str());
    assert_eq!(logon.data["failed_logons"], 0);
    assert_eq!(change.event, "mailbox");
    assert_eq!(change.data, mock.mailbox(erin).await);
    assert_eq!(change.data["pin"], "8642");
    assert!(stream.quiet_for(Duration::from_millis(200)).await);
}

#[tokio::test]
async fn an_automatic_reset_at_the_phone_is_streamed_as_an_email_event() {
    // Arrange: Exchange's defaults reset alice's PIN at her fifth failed logon.
    let mock = Mock::start().await;
    let alice = "alice@contoso.com";
    for _ in 0..4 {
        crate::phone::logon(&mock, alice, "000001").await;
    }
    let mut stream = Stream::open(&mock, "?types=email", None).await;

    // Act
    crate::phone::logon(&mock, alice, "000001").await;

    // Assert
    let event = stream.next().await;
    assert_eq!(event.event, "email");
    assert_eq!(event.data["operation"], "AutoResetPIN");
    assert_eq!(event.data, mock.get_json("/__admin/emails/latest").await);
}

#[tokio::test]
async fn a_reload_says_which_mailboxes_and_scenarios_it_removed() {
    // Arrange: a folder, a scenario added at run time, and a stream.
    let dir = crate::support::TempDir::with_default_fixtures("events-reload");
    let mock = Mock::with(UmMockServer::builder().fixtures_dir(&dir.0)).await;
    mock.add_scenario(serde_json::json!({"mailbox": "*", "operation": "IsUMEnabled", "outcomes": [{"fault": "UserNotUmEnabledException"}]}))
        .await;
    let ids = |list: Value| -> Vec<u64> {
        let mut ids: Vec<u64> = list["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    let before = ids(mock.get_json("/__admin/scenarios").await);
    let mut stream = Stream::open(&mock, "?types=mailbox,scenario", None).await;

    // Act: erin, the last mailbox, leaves the fixtures.
    let json = crate::support::default_mock_json();
    let start = json
        .find(",\n    { \"smtp_address\": \"erin@contoso.com\"")
        .unwrap();
    let end = json.find("\n  ],\n  \"scenarios\"").unwrap();
    dir.write("mock.json", format!("{}{}", &json[..start], &json[end..]));
    let reply = mock.admin("POST", "/__admin/reload", None).await;
    assert_eq!(reply.status, 204, "{}", reply.text());

    // Assert: erin and every scenario that is gone come with "removed": true; the others as
    // they are now.
    let mut events = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(500), stream.next_block()).await
    {
        events.push(event);
    }
    let removed = |kind: &str, key: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e.event == kind && e.data["removed"] == true)
            .map(|e| e.data[key].clone())
            .collect()
    };
    assert_eq!(removed("mailbox", "smtp_address"), ["erin@contoso.com"]);
    let mut gone: Vec<u64> = removed("scenario", "id")
        .iter()
        .map(|id| id.as_u64().unwrap())
        .collect();
    gone.sort();
    assert_eq!(gone, before, "every scenario before the reload is replaced");
    let listed = events
        .iter()
        .filter(|e| e.event == "mailbox" && e.data.get("removed").is_none())
        .count();
    assert_eq!(listed, 4, "alice, bob, carol and dave as reloaded");
    let erin = mock
        .admin("GET", "/__admin/mailboxes/erin@contoso.com", None)
        .await;
    assert_eq!(erin.status, 404);
}

#[tokio::test]
async fn a_replay_of_requests_with_large_headers_is_bounded_in_bytes() {
    // Arrange: 300 requests with 64 KiB of headers each, about 19 MiB of events, more than
    // the replay's 16 MiB.
    let mock = Mock::start().await;
    let padding = "h".repeat(64 * 1024);
    let mut last = 0;
    for _ in 0..300 {
        let request = mock
            .client
            .post(mock.url(crate::support::PATH_2010))
            .header("x-padding", padding.as_str())
            .body("<x/>");
        last = mock.send(request).await.request_id();
    }

    // Act: a client that has seen nothing asks for everything kept.
    let mut stream = Stream::open(&mock, "", Some(0)).await;
    let mut event = stream.next().await;
    let first_id = event.id;
    while !(event.event == "request" && event.data["id"] == last) {
        let next = stream.next().await;
        assert_eq!(next.id, event.id + 1, "the replay has no gap");
        event = next;
    }

    // Assert: the newest requests are all there up to the last, the oldest were let go, and
    // what was replayed fits in 16 MiB.
    assert!(first_id > 1, "the oldest events were dropped");
    assert!(
        stream.raw.len() <= 16 * 1024 * 1024,
        "{} bytes replayed",
        stream.raw.len()
    );
    assert!(
        stream.raw.len() > 8 * 1024 * 1024,
        "as many events as fit are kept: {} bytes",
        stream.raw.len()
    );
}

#[tokio::test]
async fn an_email_captured_late_is_streamed_when_it_is_captured() {
    // Arrange: alice's next reset captures its email 200 ms after the answer.
    let mock = Mock::start().await;
    mock.add_scenario(serde_json::json!({
        "mailbox": "alice@contoso.com", "operation": "ResetPIN",
        "outcomes": [{"mail_delay_ms": 200}]
    }))
    .await;
    let mut stream = Stream::open(&mock, "?types=email", None).await;

    // Act: nothing else reaches the server after the reset.
    mock.reset_pin_ok("alice").await;

    // Assert: the email event comes by itself once the email is captured.
    let email = stream.next().await;
    assert_eq!(email.event, "email");
    assert_eq!(email.data["to"], "alice@contoso.com");
    assert_eq!(
        email.data["pin"],
        mock.mailbox("alice@contoso.com").await["pin"]
    );
}
