//! Each scripted outcome form as a client sees it: canned fixtures, generated faults, plain
//! HTTP, mail faults (drop, duplicate, late) and delayed answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

/// Adds a one-outcome scenario for alice's ResetPIN; returns its id.
async fn script_alice(mock: &Mock, outcome: Value) -> u64 {
    let stored = mock
        .add_scenario(json!({
            "mailbox": "alice@contoso.com",
            "operation": "ResetPIN",
            "outcomes": [outcome],
        }))
        .await;
    stored["id"].as_u64().unwrap()
}

#[tokio::test]
async fn a_canned_fault_is_replayed_byte_for_byte_and_changes_nothing() {
    let mock = Mock::start().await;
    let id = script_alice(&mock, json!({"fixture": "ResetPIN/server-busy"})).await;
    let before = mock.mailbox("alice@contoso.com").await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 500);
    assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
    assert_eq!(
        reply.body,
        fixture_bytes("responses/ResetPIN/server-busy.xml")
    );
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
    assert_eq!(mock.emails("").await["total"], 0);
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["outcome"], json!({"fixture": "ResetPIN/server-busy"}));
    assert_eq!(entry["scenario"], id);
    assert_eq!(
        entry["reason"],
        format!("replayed canned response 'ResetPIN/server-busy' (scenario {id})")
    );

    let next = mock.reset_pin_ok("alice").await;
    let entry = mock.journal_entry(next.request_id()).await;
    assert_eq!(
        (&entry["outcome"], &entry["scenario"]),
        (&json!("default"), &json!(null))
    );
}

#[tokio::test]
async fn a_canned_success_is_replayed_and_still_resets_the_pin_and_captures_the_email() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"fixture": "ResetPIN/success"})).await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, fixture_bytes("responses/ResetPIN/success.xml"));
    let email = mock.get_json("/__admin/emails/latest").await;
    assert_eq!(email["request_id"], reply.request_id());
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(alice["pin"], email["pin"]);
    assert_eq!(alice["pin_history"], json!(["135790", email["pin"]]));
    assert_eq!(alice["pin_expired"], true);
}

#[tokio::test]
async fn a_canned_success_for_a_mailbox_that_is_not_um_enabled_is_replayed_with_no_pin_and_no_email(
) {
    let mock = Mock::start().await;
    mock.add_scenario(json!({"mailbox": "bob@contoso.com", "operation": "ResetPIN", "outcomes": [{"fixture": "ResetPIN/success"}]}))
        .await;
    let before = mock.mailbox("bob@contoso.com").await;

    let reply = mock.reset_pin("bob").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, fixture_bytes("responses/ResetPIN/success.xml"));
    assert_eq!(
        mock.mailbox("bob@contoso.com").await,
        before,
        "no PIN change"
    );
    assert_eq!(mock.emails("").await["total"], 0, "no email");
    let reason = reply.header("x-exum-reason");
    assert!(
        reason.contains("without its effects: mailbox 'bob@contoso.com' is not UM-enabled"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_outcome_built_in_code_with_a_delay_over_an_hour_is_refused_like_its_json_form() {
    let server = exchange_um_mock::UmMockServer::start().await;
    let slow = exchange_um_mock::Outcome::default_answer().with_delay_ms(u64::MAX);

    let added = server.add_scenario(
        exchange_um_mock::Scenario::new("alice@contoso.com", "ResetPIN").outcome(slow),
    );

    let error = added.unwrap_err();
    assert_eq!(
        error.kind(),
        exchange_um_mock::ErrorKind::Invalid,
        "{error}"
    );
    assert!(
        error.problems().iter().any(|p| p.path == "outcomes[0]"
            && p.message
                .contains("'delay_ms' must be whole milliseconds from 0 to 3600000")),
        "{error}"
    );
    assert!(server
        .scenarios()
        .iter()
        .all(|s| s.mailbox != "alice@contoso.com"));
}

#[tokio::test]
async fn a_canned_response_takes_the_status_and_headers_the_outcome_sets() {
    let mock = Mock::start().await;
    script_alice(
        &mock,
        json!({"fixture": "ResetPIN/transient-error", "status": 503, "headers": {"Retry-After": "5"}}),
    )
    .await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("Retry-After"), "5");
    assert_eq!(
        reply.body,
        fixture_bytes("responses/ResetPIN/transient-error.xml")
    );
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_generated_fault_names_the_exception_in_the_callers_namespace() {
    let mock = Mock::start().await;
    mock.add_scenario(json!({
        "mailbox": "alice@contoso.com",
        "operation": "ResetPIN",
        "outcomes": [
            {"fault": "X", "message": "m"},
            {"fault": "ResetPINException"},
            {"fault": "Custom.Thing", "message": "a < b & c"},
        ],
    }))
    .await;
    let before = mock.mailbox("alice@contoso.com").await;

    let first = mock
        .post_as("alice", PATH_2010, envelope(HTTPS_NS, "ResetPIN"))
        .await;
    let second = mock.reset_pin("alice").await;
    let third = mock.reset_pin("alice").await;

    assert_eq!(first.status, 500);
    assert_eq!(first.text(), um_fault_xml(HTTPS_NS, "X", "m"));
    assert_eq!(
        first.header("X-Exum-Reason"),
        "scripted fault X (scenario 2)"
    );
    assert_eq!(
        second.text(),
        um_fault_xml(
            HTTP_NS,
            "ResetPINException",
            "The PIN couldn't be reset. Try again later."
        )
    );
    assert_eq!(
        third.text(),
        um_fault_xml(HTTP_NS, "Custom.Thing", "a &lt; b &amp; c")
    );
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_plain_http_outcome_answers_without_soap() {
    let mock = Mock::start().await;
    mock.add_scenario(json!({
        "mailbox": "alice@contoso.com",
        "operation": "ResetPIN",
        "outcomes": [
            {"http": 503, "body": "Service Unavailable", "headers": {"Retry-After": "1"}},
            {"http": 401},
            {"http": 500, "body": "<html>IIS</html>", "headers": {"Content-Type": "text/html"}},
        ],
    }))
    .await;

    let busy = mock.reset_pin("alice").await;
    let denied = mock.reset_pin("alice").await;
    let iis = mock.reset_pin("alice").await;

    assert_eq!(busy.status, 503);
    assert_eq!(busy.text(), "Service Unavailable");
    assert_eq!(busy.header("Retry-After"), "1");
    assert_eq!(busy.header("Content-Type"), "text/plain; charset=utf-8");
    assert_eq!(denied.status, 401);
    assert_eq!(denied.headers_named("WWW-Authenticate"), CHALLENGES);
    assert_eq!(iis.status, 500);
    assert_eq!(iis.text(), "<html>IIS</html>");
    let content_types: Vec<_> = iis.headers.get_all("Content-Type").iter().collect();
    assert_eq!(content_types, ["text/html"]);
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_dropped_email_still_resets_the_pin_and_the_journal_says_so() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"mail": "drop"})).await;
    let before = mock.mailbox("alice@contoso.com").await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), empty_response_xml(HTTP_NS, "ResetPIN"));
    assert_eq!(mock.emails("").await["total"], 0);
    assert_ne!(
        mock.mailbox("alice@contoso.com").await["pin"],
        before["pin"]
    );
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["outcome"], json!({"mail": "drop"}));
    assert!(entry["reason"]
        .as_str()
        .unwrap()
        .starts_with("the PIN email was dropped (scripted)"));
}

#[tokio::test]
async fn a_duplicated_email_is_captured_twice_with_the_same_pin() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"mail": "duplicate"})).await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 200);
    let emails = mock.emails("").await;
    assert_eq!(emails["total"], 2);
    let [first, second] = [&emails["emails"][0], &emails["emails"][1]];
    assert_eq!((&first["id"], &second["id"]), (&json!(1), &json!(2)));
    assert_eq!(first["pin"], second["pin"]);
    assert_eq!(first["request_id"], reply.request_id());
    assert_eq!(second["request_id"], reply.request_id());
    assert_eq!(mock.mailbox("alice@contoso.com").await["pin"], first["pin"]);
    assert_eq!(
        mock.journal_entry(reply.request_id()).await["reason"],
        "the PIN email was captured twice (scripted) (scenario 2)"
    );
}

#[tokio::test]
async fn a_late_email_is_missing_at_first_and_a_long_poll_gets_it() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"mail_delay_ms": 3000})).await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 200);
    assert_eq!(mock.emails("").await["total"], 0, "not captured yet");
    let waited = mock.emails("to=alice@contoso.com&wait_ms=60000").await;
    assert_eq!(waited["total"], 1);
    let email = &waited["emails"][0];
    assert_eq!(email["request_id"], reply.request_id());
    assert_eq!(mock.mailbox("alice@contoso.com").await["pin"], email["pin"]);
    assert_eq!(
        mock.journal_entry(reply.request_id()).await["reason"],
        "the PIN email is captured 3000 ms late (scripted) (scenario 2)"
    );
}

#[tokio::test]
async fn a_delayed_answer_is_the_default_answer_later() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"delay_ms": 300})).await;
    let request = mock.reset_pin_request("alice");

    // Timed by the client, from just before the request goes out to the whole answer read.
    let sent = Instant::now();
    let reply = mock.send(request).await;
    let waited = sent.elapsed();

    // A lower bound on the scripted delay, not a speed check: whatever the machine's load, an
    // answer that comes sooner than 300 ms after the request was sent was not held by the
    // server.
    assert!(
        waited >= Duration::from_millis(300),
        "the delayed answer arrived after only {waited:?}"
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), empty_response_xml(HTTP_NS, "ResetPIN"));
    assert_eq!(mock.emails("").await["total"], 1);
    // The journal reports the delay too; it adds the planned delay to the time taken to
    // decide, so it says what was scripted and is no proof that the server waited.
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["outcome"], json!({"delay_ms": 300}));
    assert!(
        entry["duration_ms"].as_f64().unwrap() >= 300.0,
        "the scripted delay counts in duration_ms: {entry}"
    );
}

#[tokio::test]
async fn a_delayed_answer_for_one_mailbox_does_not_delay_another() {
    let mock = Arc::new(Mock::start().await);
    script_alice(&mock, json!({"delay_ms": 3000})).await;
    let alice = {
        let mock = mock.clone();
        tokio::spawn(async move { mock.reset_pin("alice").await })
    };
    // alice's email is captured when her request is decided, before the delayed answer: once it
    // is there, her request is being held by the server.
    let held = mock.emails("to=alice@contoso.com&wait_ms=60000").await;
    assert_eq!(held["total"], 1);

    let carol = mock.reset_pin("carol").await;

    assert_eq!(carol.status, 200);
    assert!(!alice.is_finished(), "carol's reset finished first");
    let alice = alice.await.unwrap();
    assert_eq!(alice.status, 200);
    assert!(alice.request_id() < carol.request_id());
}

#[tokio::test]
async fn clearing_the_emails_does_not_lose_one_still_on_its_way() {
    let mock = Mock::start().await;
    script_alice(&mock, json!({"mail_delay_ms": 2000})).await;
    let reply = mock.reset_pin_ok("alice").await;

    assert_eq!(
        mock.admin("DELETE", "/__admin/emails", None).await.status,
        204
    );

    let late = mock
        .get_json("/__admin/emails/latest?to=alice@contoso.com&wait_ms=60000")
        .await;
    assert_eq!(late["request_id"], reply.request_id());
}

#[tokio::test]
async fn a_header_the_outcome_sets_replaces_the_canned_responses_own() {
    let mock = Mock::start().await;
    let content_type = "application/soap+xml; charset=utf-8";
    script_alice(
        &mock,
        json!({"fixture": "ResetPIN/server-busy", "headers": {"Content-Type": content_type}}),
    )
    .await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 500);
    let sent: Vec<_> = reply.headers.get_all("content-type").iter().collect();
    assert_eq!(sent, [content_type], "one Content-Type, the scripted one");
}

#[tokio::test]
async fn an_http_status_that_cannot_be_a_final_answer_is_refused() {
    let mock = Mock::start().await;
    for outcome in [
        json!({"http": 100}),
        json!({"http": 101}),
        json!({"http": 199}),
        json!({"fixture": "ResetPIN/server-busy", "status": 101}),
    ] {
        let body =
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [outcome]});

        let reply = mock.admin("POST", "/__admin/scenarios", Some(body)).await;

        assert_eq!(reply.status, 400, "{outcome}: {}", reply.text());
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains("from 200 to 599"), "{outcome}: {error}");
    }
}

#[tokio::test]
async fn an_outcome_may_not_script_the_headers_that_frame_the_body() {
    let mock = Mock::start().await;
    for (name, value) in [("Content-Length", "100"), ("transfer-encoding", "chunked")] {
        let outcome = json!({"http": 200, "body": "hello", "headers": {name: value}});
        let body =
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [outcome]});

        let reply = mock.admin("POST", "/__admin/scenarios", Some(body)).await;

        assert_eq!(reply.status, 400, "{outcome}: {}", reply.text());
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(name), "{outcome}: {error}");
    }
    assert_eq!(
        mock.reset_pin("alice").await.status,
        200,
        "nothing was added"
    );
}
