//! The bounds on sessions: `--max-sessions` refuses one more (over HTTP and in the library)
//! until one ends; `--session-idle-s` ends a session nobody uses, and only that one.

use std::time::Duration;

use exchange_um_mock::{ErrorKind, UmMockServer};

use super::{create, listed, Made};
use crate::events::Stream;
use crate::support::*;

#[tokio::test]
async fn past_max_sessions_one_more_is_a_409_until_one_is_deleted_and_the_library_is_refused_too() {
    // Arrange
    let mock = Mock::with(UmMockServer::builder().max_sessions(2)).await;
    let first = create(&mock).await;
    let _second = create(&mock).await;

    // Act
    let third = mock.admin("POST", "/__admin/sessions", None).await;
    let from_the_library = mock.server.session().await;
    let deleted = mock
        .admin("DELETE", &format!("/__admin/sessions/{}", first.id), None)
        .await;
    let after_delete = mock.admin("POST", "/__admin/sessions", None).await;
    let end_all = mock.admin("DELETE", "/__admin/sessions", None).await;
    let library_after = mock.server.session().await;

    // Assert
    assert_eq!(third.status, 409);
    assert!(third.error().contains("--max-sessions"), "{}", third.text());
    assert_eq!(
        from_the_library.unwrap_err().kind(),
        ErrorKind::TooManySessions
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(after_delete.status, 201, "{}", after_delete.text());
    assert_eq!(end_all.status, 204);
    let session = library_after.expect("a session once the others have ended");
    assert_eq!(listed(&mock).await, [session.id()]);
}

/// Uses `session` (SOAP and admin requests under its prefix, in turn) every 300 ms for 2 s.
async fn use_for_two_seconds(mock: &Mock, session: &Made) {
    for turn in 0..7 {
        let status = if turn % 2 == 0 {
            let request = reset_pin_request(&mock.client, &session.base_url, "alice");
            mock.send(request).await.status
        } else {
            mock.admin("GET", &session.path("/__admin/info"), None)
                .await
                .status
        };
        assert_eq!(status, 200, "turn {turn} in session {}", session.id);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_session_left_alone_ends_by_itself_and_one_in_use_stays() {
    // Arrange: sessions idle out after 1 s; the root's stream of session events.
    let mock = Mock::with(UmMockServer::builder().session_idle(Duration::from_secs(1))).await;
    let mut events = Stream::open(&mock, "?types=session", None).await;
    let alone = create(&mock).await;
    let busy = create(&mock).await;

    // Act: `busy` is used throughout twice the idle limit; `alone` is not.
    use_for_two_seconds(&mock, &busy).await;

    // Assert: the root was told of both sessions, then of `alone`'s end for idleness.
    let mut seen = Vec::new();
    let ended = loop {
        let event = events.next().await;
        assert_eq!(event.event, "session");
        if event.data["ended"] == true {
            break event.data;
        }
        seen.push(event.data["id"].as_str().unwrap().to_string());
    };
    assert_eq!(seen, [alone.id.clone(), busy.id.clone()]);
    assert_eq!(ended["id"], alone.id.as_str());
    assert_eq!(ended["reason"], "idle");
    // Gone: its prefix 404s and says why; the list has `busy` only, which still serves.
    let under_alone = mock.admin("GET", &alone.path("/__admin/info"), None).await;
    assert_eq!(under_alone.status, 404);
    assert_eq!(
        under_alone.header("X-Exum-Reason"),
        format!("no session '{}'", alone.id)
    );
    assert_eq!(listed(&mock).await, [busy.id.as_str()]);
    let emails = mock.get_json(&busy.path("/__admin/emails")).await;
    assert_eq!(emails["total"], 4);
}
