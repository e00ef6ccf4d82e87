//! Event streams with sessions: a session's stream (`/sessions/ID/__admin/events`) carries its
//! own changes only, numbered from 1; the root's carries `session` events when one is created
//! or ended, and none of a session's changes.

use serde_json::json;

use super::{created, Double};
use crate::events::Stream;
use crate::support::*;

/// Renames alice in `double`; the answer.
async fn rename_alice(double: &Double<'_>) -> Reply {
    let body = json!({"display_name": format!("Alice in {}", double.id())});
    double
        .admin("PATCH", "/__admin/mailboxes/alice@contoso.com", Some(body))
        .await
}

#[tokio::test]
async fn a_sessions_stream_carries_only_its_own_changes_numbered_from_one() {
    // Arrange
    let mock = Mock::start().await;
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;
    let mut stream = Stream::open_at(&mock, &a.path("/__admin/events"), None).await;

    // Act: changes at the root and in the other session first, then in this one.
    mock.reset_pin_ok("alice").await;
    b.reset_pin_ok("alice").await;
    rename_alice(&b).await;
    let patched = rename_alice(&a).await;
    let reply = a.reset_pin("alice").await;

    // Assert: this session's patch is its first event; its ResetPIN's three follow.
    let first = stream.next().await;
    assert_eq!((first.id, first.event.as_str()), (1, "mailbox"));
    assert_eq!(first.data, patched.json());
    let next = [
        stream.next().await,
        stream.next().await,
        stream.next().await,
    ];
    assert_eq!(next.iter().map(|e| e.id).collect::<Vec<_>>(), [2, 3, 4]);
    let request = next.iter().find(|e| e.event == "request").unwrap();
    assert_eq!(request.data["id"], reply.request_id());
    assert_eq!(request.data["path"], a.path(PATH_2010));
    let email = next.iter().find(|e| e.event == "email").unwrap();
    assert_eq!(email.data["id"], 1);
}

#[tokio::test]
async fn the_root_stream_announces_a_session_created_and_deleted() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "?types=session", None).await;

    // Act
    let entry = created(&mock, Some(json!({"name": "announced"}))).await;
    let session = Double::of(&mock, &entry);
    session.reset_pin_ok("alice").await;
    let deleted = mock
        .admin(
            "DELETE",
            &format!("/__admin/sessions/{}", session.id()),
            None,
        )
        .await;

    // Assert
    assert_eq!(deleted.status, 204);
    let born = stream.next().await;
    assert_eq!(born.event, "session");
    assert_eq!(born.data, entry, "the data is the session's list entry");
    assert!(born.data.get("ended").is_none(), "{}", born.data);
    let ended = stream.next().await;
    assert_eq!(ended.event, "session");
    assert_eq!(ended.data["id"], entry["id"]);
    assert_eq!(ended.data["name"], "announced");
    assert_eq!(ended.data["ended"], true);
    assert_eq!(ended.data["reason"], "deleted");
    assert_eq!(ended.data["emails"], 1, "the entry as it was when it ended");
}

#[tokio::test]
async fn ending_every_session_announces_each_oldest_first() {
    let mock = Mock::start().await;
    let first = Double::create(&mock).await;
    let second = Double::create(&mock).await;
    let mut stream = Stream::open(&mock, "?types=session", None).await;

    let reply = mock.admin("DELETE", "/__admin/sessions", None).await;

    assert_eq!(reply.status, 204);
    for session in [first, second] {
        let event = stream.next().await;
        assert_eq!(event.event, "session");
        assert_eq!(event.data["id"], session.id());
        assert_eq!(
            (&event.data["ended"], &event.data["reason"]),
            (&json!(true), &json!("deleted"))
        );
    }
}

#[tokio::test]
async fn the_root_stream_carries_no_change_made_in_a_session() {
    // Arrange
    let mock = Mock::start().await;
    let mut stream = Stream::open(&mock, "", None).await;

    // Act: a session, a ResetPIN in it, then a change at the root.
    let session = Double::create(&mock).await;
    session.reset_pin_ok("alice").await;
    let patched = mock
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(json!({"display_name": "Root Alice"})),
        )
        .await;

    // Assert
    let born = stream.next().await;
    assert_eq!((born.id, born.event.as_str()), (1, "session"));
    let next = stream.next().await;
    assert_eq!((next.id, next.event.as_str()), (2, "mailbox"));
    assert_eq!(next.data, patched.json());
}

#[tokio::test]
async fn a_sessions_stream_ends_when_the_session_is_deleted() {
    // Arrange
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    let mut stream = Stream::open_at(&mock, &session.path("/__admin/events"), None).await;

    // Act
    let deleted = mock
        .admin(
            "DELETE",
            &format!("/__admin/sessions/{}", session.id()),
            None,
        )
        .await;

    // Assert
    assert_eq!(deleted.status, 204);
    assert!(stream.ends().await, "no event came before the end");
}
