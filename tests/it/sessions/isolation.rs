//! Every store of a session is its own: emails, journal, mailboxes, scenarios, clock, calls,
//! phone logons and expectations, each seen only under its prefix, with ids counting from 1.

use exchange_um_mock::Operation;
use serde_json::{json, Value};

use super::{busy, Double};
use crate::support::*;

/// The `id`s of a list answer's items under `key`.
fn ids(list: &Value, key: &str) -> Vec<u64> {
    field(&list[key], "id")
        .iter()
        .map(|id| id.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn emails_and_requests_stay_in_the_double_they_came_to_and_ids_count_from_one_in_each() {
    // Arrange
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;

    // Act
    root.reset_pin_ok("alice").await;
    root.reset_pin_ok("alice").await;
    root.reset_pin_ok("alice").await;
    let in_a = [a.reset_pin("alice").await, a.reset_pin("carol").await];
    let in_b = b.reset_pin("carol").await;

    // Assert
    assert_eq!(
        in_a.iter().map(Reply::request_id).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(in_b.request_id(), 1);
    let a_emails = a.get_json("/__admin/emails").await;
    assert_eq!(ids(&a_emails, "emails"), [1, 2]);
    assert_eq!(
        field(&a_emails["emails"], "to"),
        [&json!("alice@contoso.com"), &json!("carol@contoso.com")]
    );
    let b_emails = b.get_json("/__admin/emails").await;
    assert_eq!(ids(&b_emails, "emails"), [1]);
    assert_eq!(b_emails["emails"][0]["to"], "carol@contoso.com");
    assert_eq!(
        ids(&root.get_json("/__admin/emails").await, "emails"),
        [1, 2, 3]
    );
    assert_eq!(
        ids(&a.get_json("/__admin/requests").await, "requests"),
        [1, 2]
    );
    assert_eq!(ids(&b.get_json("/__admin/requests").await, "requests"), [1]);
    assert_eq!(root.total("/__admin/requests").await, 3);
    let journaled = &b.get_json("/__admin/requests").await["requests"][0];
    assert_eq!(
        journaled["path"],
        format!("{}{PATH_2010}", b.prefix),
        "the journal shows the path as the client sent it"
    );
}

#[tokio::test]
async fn a_mailbox_patched_in_one_session_is_unchanged_in_the_other_and_at_the_root() {
    // Arrange
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;
    let before = root.mailbox_untimed("alice@contoso.com").await;

    // Act
    let patched = a
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(json!({"display_name": "Alice in A", "pin": "975318"})),
        )
        .await;

    // Assert
    assert_eq!(patched.status, 200, "{}", patched.text());
    let in_a = a.mailbox("alice@contoso.com").await;
    assert_eq!(
        (&in_a["display_name"], &in_a["pin"]),
        (&json!("Alice in A"), &json!("975318"))
    );
    assert_eq!(b.mailbox_untimed("alice@contoso.com").await, before);
    assert_eq!(root.mailbox_untimed("alice@contoso.com").await, before);
}

#[tokio::test]
async fn a_scenario_added_in_one_session_answers_only_there() {
    // Arrange
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;
    let fixture_scenarios = root.scenarios().await;

    // Act
    let added = a
        .admin(
            "POST",
            "/__admin/scenarios",
            Some(busy("alice@contoso.com")),
        )
        .await;
    let answers = [
        a.reset_pin("alice").await.status,
        b.reset_pin("alice").await.status,
        root.reset_pin("alice").await.status,
    ];

    // Assert
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(
        added.json()["id"],
        fixture_scenarios as u64 + 1,
        "scenario ids count on from the session's fixture scenarios"
    );
    assert_eq!(answers, [503, 200, 200]);
    assert_eq!(a.scenarios().await, fixture_scenarios + 1);
    assert_eq!(b.scenarios().await, fixture_scenarios);
    assert_eq!(root.scenarios().await, fixture_scenarios);
}

#[tokio::test]
async fn the_clock_moved_in_one_session_stays_put_in_the_other_and_at_the_root() {
    // Arrange
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;
    let day_ms = 86_400_000u64;

    // Act
    let moved = a
        .admin(
            "POST",
            "/__admin/clock",
            Some(json!({"advance_ms": day_ms})),
        )
        .await;
    a.reset_pin_ok("alice").await;
    b.reset_pin_ok("alice").await;

    // Assert
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(a.get_json("/__admin/clock").await["offset_ms"], day_ms);
    assert_eq!(b.get_json("/__admin/clock").await["offset_ms"], 0);
    assert_eq!(root.get_json("/__admin/clock").await["offset_ms"], 0);
    let sent_at =
        |email: &Value| -> String { email["sent_at"].as_str().unwrap()[..10].to_string() };
    let a_day = sent_at(&a.get_json("/__admin/emails/latest").await);
    let b_day = sent_at(&b.get_json("/__admin/emails/latest").await);
    assert!(
        a_day > b_day,
        "the session's email is written on its own clock: {a_day} {b_day}"
    );
}

#[tokio::test]
async fn calls_and_phone_logons_in_one_session_are_not_seen_in_another() {
    // Arrange
    let mock = Mock::start().await;
    let root = Double::root(&mock);
    let a = Double::create(&mock).await;
    let b = Double::create(&mock).await;
    let play = format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><PlayOnPhone xmlns="{HTTP_NS}"><entryId>AAAAABHK6Y9Wr7dKhXu9gAAAAAAHAHq1bFLkRsJIqpKQcqzbXlMAAAAAAR8AAA==</entryId><DialString>4255550142</DialString></PlayOnPhone></soap:Body></soap:Envelope>"#
    );

    // Act
    let call = a.post_as("alice", PATH_2010, play).await;
    let logon = a
        .admin(
            "POST",
            "/__admin/mailboxes/alice@contoso.com/logon",
            Some(json!({"pin": "000001"})),
        )
        .await;

    // Assert
    assert_eq!(call.status, 200, "{}", call.text());
    assert_eq!(a.total("/__admin/calls").await, 1);
    assert_eq!(b.total("/__admin/calls").await, 0);
    assert_eq!(root.total("/__admin/calls").await, 0);
    assert_eq!(logon.status, 200, "{}", logon.text());
    assert_eq!(logon.json()["failed_logons"], 1);
    assert_eq!(a.mailbox("alice@contoso.com").await["failed_logons"], 1);
    assert_eq!(b.mailbox("alice@contoso.com").await["failed_logons"], 0);
    assert_eq!(root.mailbox("alice@contoso.com").await["failed_logons"], 0);
}

#[tokio::test]
async fn a_sessions_expectations_count_only_the_requests_under_its_prefix() {
    // Arrange: the same expectation at the root and in two sessions.
    let mock = Mock::start().await;
    let a = mock.server.session().await.unwrap();
    let b = mock.server.session().await.unwrap();
    a.expect(Operation::ResetPin).times(2);
    b.expect(Operation::ResetPin).never();
    mock.server.expect(Operation::ResetPin).times(1);

    // Act: two ResetPINs in `a` over HTTP, one at the root.
    for _ in 0..2 {
        let reply = mock
            .send(reset_pin_request(&mock.client, &a.uri(), "alice"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    mock.reset_pin_ok("alice").await;

    // Assert: each met (an unmet one panics with its report).
    a.verify();
    b.verify();
    mock.server.verify();
    assert_eq!(a.emails().len(), 2);
    assert!(b.emails().is_empty());
}
