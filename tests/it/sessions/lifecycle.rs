//! A session's life: its own reset, listing and reading it, ending one or all, the 404 of an
//! ended session's prefix, and the root's reset and reload, which leave sessions alone.

use exchange_um_mock::UmMockServer;
use serde_json::json;

use super::{created, Double};
use crate::support::*;

#[tokio::test]
async fn a_sessions_reset_restores_its_state_but_its_ids_keep_counting() {
    // Arrange: a changed mailbox, a scenario, an email and a moved clock in the session; an
    // email at the root.
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let session = Double::create(&mock).await;
    let loaded = session.mailbox_untimed("alice@contoso.com").await;
    root.reset_pin_ok("carol").await;
    session
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(json!({"display_name": "Changed"})),
        )
        .await;
    session.reset_pin_ok("carol").await;
    session
        .admin(
            "POST",
            "/__admin/scenarios",
            Some(super::busy("carol@contoso.com")),
        )
        .await;
    session
        .admin(
            "POST",
            "/__admin/clock",
            Some(json!({"advance_ms": 60_000})),
        )
        .await;

    // Act
    let reset = session.admin("POST", "/__admin/reset", None).await;
    let after = session.reset_pin("carol").await;

    // Assert
    assert_eq!(reset.status, 204);
    assert_eq!(after.status, 200, "the scenario is gone: {}", after.text());
    assert_eq!(after.request_id(), 2, "journal ids are not reused");
    let emails = session.get_json("/__admin/emails").await;
    assert_eq!(emails["total"], 1, "{emails}");
    assert_eq!(emails["emails"][0]["id"], 2, "email ids are not reused");
    assert_eq!(session.total("/__admin/requests").await, 1);
    assert_eq!(session.mailbox_untimed("alice@contoso.com").await, loaded);
    assert_eq!(session.get_json("/__admin/clock").await["offset_ms"], 0);
    assert_eq!(
        root.total("/__admin/emails").await,
        1,
        "the root kept its email"
    );
}

#[tokio::test]
async fn reload_under_a_session_is_409_as_a_session_keeps_its_fixtures() {
    let dir = TempDir::with_default_fixtures("session-reload");
    let mock = Mock::with(UmMockServer::builder().fixtures_dir(&dir.0)).await;
    let session = Double::create(&mock).await;

    let reply = session.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 409, "{}", reply.text());
    assert!(reply.error().contains("session"), "{}", reply.error());
}

#[tokio::test]
async fn the_list_counts_each_sessions_emails_and_requests_and_one_entry_reads_alone() {
    // Arrange
    let mock = Mock::start().await;
    let a = Double::of(&mock, &created(&mock, Some(json!({"name": "a"}))).await);
    let b = Double::of(&mock, &created(&mock, Some(json!({"name": "b"}))).await);
    a.reset_pin_ok("alice").await;
    a.reset_pin_ok("carol").await;
    b.reset_pin_ok("alice").await;
    b.reset_pin("bob").await;
    mock.reset_pin_ok("alice").await;

    // Act
    let list = mock.get_json("/__admin/sessions").await;
    let one = mock
        .get_json(&format!("/__admin/sessions/{}", b.id()))
        .await;

    // Assert
    assert_eq!(list["total"], 2);
    let sessions = &list["sessions"];
    assert_eq!(
        field(sessions, "name"),
        [&json!("a"), &json!("b")],
        "oldest first"
    );
    assert_eq!(field(sessions, "id"), [&json!(a.id()), &json!(b.id())]);
    assert_eq!(field(sessions, "emails"), [&json!(2), &json!(1)]);
    assert_eq!(field(sessions, "requests"), [&json!(2), &json!(2)]);
    assert_eq!(one, sessions[1]);
    assert_eq!(one["service_url"], b.url(PATH_2010));
}

#[tokio::test]
async fn a_deleted_session_is_gone_and_its_prefix_is_404_with_the_reason_journaled_at_the_root() {
    // Arrange
    let mock = Mock::start().await;
    let gone = Double::create(&mock).await;
    let kept = Double::create(&mock).await;
    gone.reset_pin_ok("alice").await;

    // Act
    let deleted = mock
        .admin("DELETE", &format!("/__admin/sessions/{}", gone.id()), None)
        .await;
    let again = mock
        .admin("DELETE", &format!("/__admin/sessions/{}", gone.id()), None)
        .await;
    let read = mock
        .admin("GET", &format!("/__admin/sessions/{}", gone.id()), None)
        .await;
    let soap = gone.reset_pin("alice").await;
    let admin = gone.admin("GET", "/__admin/emails", None).await;

    // Assert
    assert_eq!(deleted.status, 204);
    for reply in [&again, &read] {
        assert_eq!(reply.status, 404);
        assert!(reply.error().contains(gone.id()), "{}", reply.error());
    }
    let reason = format!("no session '{}'", gone.id());
    for reply in [&soap, &admin] {
        assert_eq!(reply.status, 404);
        assert_eq!(reply.header("X-Exum-Reason"), reason);
    }
    let journal = mock.journal("").await;
    assert_eq!(journal["total"], 2, "{journal:#}");
    assert_eq!(journal["requests"][0]["path"], gone.path(PATH_2010));
    assert_eq!(journal["requests"][0]["status"], 404);
    assert_eq!(journal["requests"][1]["path"], gone.path("/__admin/emails"));
    assert_eq!(soap.request_id(), 1, "numbered by the root's journal");
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 1);
    kept.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn a_prefix_no_session_ever_had_is_404_with_the_reason() {
    let mock = Mock::start().await;
    Double::create(&mock).await;

    let reply = mock
        .send(reset_pin_request(
            &mock.client,
            &mock.url("/sessions/0123456789abcdef01234567"),
            "alice",
        ))
        .await;

    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("X-Exum-Reason"),
        "no session '0123456789abcdef01234567'"
    );
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(
        entry["path"],
        format!("/sessions/0123456789abcdef01234567{PATH_2010}")
    );
}

#[tokio::test]
async fn deleting_all_sessions_is_204_and_ends_each() {
    let mock = Mock::start().await;
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;

    let reply = mock.admin("DELETE", "/__admin/sessions", None).await;

    assert_eq!(reply.status, 204);
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 0);
    for session in [a, b] {
        assert_eq!(session.reset_pin("alice").await.status, 404);
    }
    mock.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn the_session_routes_are_served_at_the_root_only() {
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    let own = format!("/__admin/sessions/{}", session.id());

    for (method, path) in [
        ("GET", "/__admin/sessions"),
        ("POST", "/__admin/sessions"),
        ("DELETE", "/__admin/sessions"),
        ("GET", own.as_str()),
        ("DELETE", own.as_str()),
    ] {
        let reply = session.admin(method, path, None).await;

        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text());
    }
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 1);
    assert_eq!(session.get_json("/__admin/health").await["status"], "ok");
}

#[tokio::test]
async fn a_root_reset_leaves_every_session_as_it_was() {
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    session.reset_pin_ok("alice").await;
    session
        .admin(
            "PATCH",
            "/__admin/mailboxes/carol@contoso.com",
            Some(json!({"display_name": "Carol in a session"})),
        )
        .await;
    mock.reset_pin_ok("alice").await;

    let reset = mock.admin("POST", "/__admin/reset", None).await;

    assert_eq!(reset.status, 204);
    assert_eq!(mock.emails("").await["total"], 0);
    assert_eq!(session.total("/__admin/emails").await, 1);
    assert_eq!(session.total("/__admin/requests").await, 1);
    assert_eq!(
        session.mailbox("carol@contoso.com").await["display_name"],
        "Carol in a session"
    );
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 1);
}

#[tokio::test]
async fn a_root_reload_leaves_sessions_on_the_fixtures_they_started_with() {
    // Arrange
    let dir = TempDir::with_default_fixtures("session-root-reload");
    let mock = Mock::with(UmMockServer::builder().fixtures_dir(&dir.0)).await;
    let before = Double::create(&mock).await;
    before.reset_pin_ok("alice").await;
    dir.write(
        "mock.json",
        default_mock_json().replace("\"Alice Wood\"", "\"Alice Reloaded\""),
    );

    // Act
    let reload = mock.admin("POST", "/__admin/reload", None).await;
    let after = Double::create(&mock).await;

    // Assert: the root and a session started after the reload see the new fixtures; the
    // session started before keeps its email and its fixtures, also through its own reset.
    assert_eq!(reload.status, 204, "{}", reload.text());
    let name = |mailbox: serde_json::Value| mailbox["display_name"].clone();
    assert_eq!(
        name(mock.mailbox("alice@contoso.com").await),
        "Alice Reloaded"
    );
    assert_eq!(
        name(after.mailbox("alice@contoso.com").await),
        "Alice Reloaded"
    );
    assert_eq!(
        name(before.mailbox("alice@contoso.com").await),
        "Alice Wood"
    );
    assert_eq!(before.total("/__admin/emails").await, 1);
    before.admin("POST", "/__admin/reset", None).await;
    assert_eq!(
        name(before.mailbox("alice@contoso.com").await),
        "Alice Wood"
    );
}

#[tokio::test]
async fn a_scripted_hang_under_a_session_ends_when_the_session_is_deleted() {
    // Arrange: ResetPIN hangs in the session; the hanging request is journaled there.
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    let added = session
        .admin(
            "POST",
            "/__admin/scenarios",
            Some(json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"network": "hang"}]})),
        )
        .await;
    assert_eq!(added.status, 201);
    let mut events =
        crate::events::Stream::open_at(&mock, &session.path("/__admin/events?types=request"), None)
            .await;
    let mut hanging = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    let request = raw_post(
        mock.address(),
        &session.path(PATH_2010),
        "alice",
        reset_pin_envelope().as_bytes(),
    );
    tokio::io::AsyncWriteExt::write_all(&mut hanging, &request)
        .await
        .unwrap();
    assert_eq!(
        events.next().await.data["outcome"],
        json!({"network": "hang"})
    );

    // Act
    let deleted = mock
        .admin(
            "DELETE",
            &format!("/__admin/sessions/{}", session.id()),
            None,
        )
        .await;

    // Assert: the connection is closed without an answer (a guard, not a speed check: the
    // hang would otherwise last until the server stops).
    assert_eq!(deleted.status, 204);
    let mut answer = Vec::new();
    // Closed (end of stream) or reset: either way no answer came.
    let _closed_or_reset = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tokio::io::AsyncReadExt::read_to_end(&mut hanging, &mut answer),
    )
    .await
    .expect("the hanging connection was closed when its session ended");
    assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
}
