//! `--smtp-relay` as a client of the double sees it: the `relay` object of the email JSON and
//! its `email` events, the bound on pending deliveries, and SOAP answers that no relay outage
//! can change. (Deliveries to a real SMTP server are tested with aiosmtpd in
//! tests/interop/smtp_relay_test.py.)

use std::time::Duration;

use exchange_um_mock::{ErrorKind, RelayState, UmMockServer, UmMockServerBuilder};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::events::Stream;
use crate::props::{check, runtime};
use crate::support::Mock;

const USER: &str = "alice@contoso.com";

/// A port on 127.0.0.1 where nothing listens: every connection is refused.
fn closed_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

/// A relay that refuses every connection, retried after `backoff` (then 3× and 9× that).
fn dead_relay(backoff: Duration) -> UmMockServerBuilder {
    UmMockServer::builder()
        .smtp_relay(format!("smtp://127.0.0.1:{}", closed_port()))
        .smtp_relay_backoff(backoff)
}

/// Every `relay` object the `email` events of the double under `prefix` (`""` for the root)
/// show for email `id`, replayed from the first event, up to the first with status `until`.
async fn relay_states(mock: &Mock, prefix: &str, id: u64, until: &str) -> Vec<Value> {
    let mut stream = Stream::open_at(mock, &format!("{prefix}/__admin/events"), Some(0)).await;
    let mut seen = Vec::new();
    loop {
        let event = stream.next().await;
        if event.event == "email" && event.data["id"] == id {
            seen.push(event.data["relay"].clone());
            if event.data["relay"]["status"] == until {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn without_a_relay_every_email_has_a_null_relay() {
    let mock = Mock::start().await;

    mock.reset_pin_ok(USER).await;

    let email = mock.get_json("/__admin/emails/latest").await;
    assert_eq!(email.get("relay"), Some(&Value::Null));
    assert_eq!(mock.server.emails()[0].relay, None);
}

#[tokio::test]
async fn a_dead_relay_is_tried_four_times_then_the_email_says_failed_and_is_kept() {
    let mock = Mock::with(dead_relay(Duration::from_millis(10))).await;

    mock.reset_pin_ok(USER).await;

    let id = mock.get_json("/__admin/emails/latest").await["id"]
        .as_u64()
        .unwrap();
    let states = relay_states(&mock, "", id, "failed").await;
    assert_eq!(
        states[0],
        json!({"status": "pending", "attempts": 0, "error": null})
    );
    let attempts: Vec<&Value> = states.iter().map(|s| &s["attempts"]).collect();
    assert_eq!(attempts, [0, 1, 2, 3, 4]);
    assert!(states[1..4].iter().all(|s| s["status"] == "pending"));
    let error = states[4]["error"].as_str().unwrap();
    assert!(error.contains("refused"), "{error}");
    let email = mock.get_json(&format!("/__admin/emails/{id}")).await;
    assert_eq!(email["relay"], states[4]);
    let relay = mock.server.emails()[0].relay.clone().unwrap();
    assert_eq!((relay.status, relay.attempts), (RelayState::Failed, 4));
}

#[tokio::test]
async fn past_max_emails_pending_deliveries_a_new_one_fails_at_once_and_the_email_is_kept() {
    // Deliveries that stay pending for the whole 30 s window: every retry is an hour away.
    let mock = Mock::with(dead_relay(Duration::from_secs(3600)).max_emails(2)).await;

    for _ in 0..3 {
        mock.reset_pin_ok(USER).await;
    }

    let list = mock.get_json("/__admin/emails").await;
    let relays: Vec<&str> = list["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["relay"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(relays, ["pending", "failed"], "{list}");
    let third = mock.get_json("/__admin/emails/3").await;
    assert_eq!(third["relay"]["attempts"], 0);
    let error = third["relay"]["error"].as_str().unwrap();
    assert!(
        error.contains("2 deliveries were already pending") && error.contains("--max-emails"),
        "{error}"
    );
}

#[tokio::test]
async fn a_relay_url_that_cannot_be_read_stops_the_start_and_says_why() {
    for (url, says) in [
        ("mail.example.org:25", "smtp:// or smtps://"),
        ("smtp://mail.example.org", "no port"),
    ] {
        let error = UmMockServer::builder()
            .smtp_relay(url)
            .start()
            .await
            .unwrap_err();

        assert_eq!(error.kind(), ErrorKind::Relay);
        assert!(error.to_string().contains(says), "{url}: {error}");
    }
    let error = UmMockServer::builder()
        .smtp_relay("smtps://127.0.0.1:465")
        .smtp_relay_ca("not a certificate")
        .start()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Relay);
    assert!(error.to_string().contains("no PEM certificate"), "{error}");
}

/// One request of the property: an operation, with a scripted mail fault when it is a
/// ResetPIN.
#[derive(Debug, Clone)]
enum Step {
    ResetPin(Option<Value>),
    GetUmProperties,
    IsUmEnabled,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let mail = prop_oneof![
        Just(None),
        Just(Some(json!({"mail": "drop"}))),
        Just(Some(json!({"mail": "duplicate"}))),
        Just(Some(json!({"mail_delay_ms": 5}))),
    ];
    let step = prop_oneof![
        mail.prop_map(Step::ResetPin),
        Just(Step::GetUmProperties),
        Just(Step::IsUmEnabled),
    ];
    proptest::collection::vec(step, 1..4)
}

/// Sends `step` to `mock`; the status and body bytes the client got.
async fn answer(mock: &Mock, step: &Step) -> (u16, Vec<u8>) {
    let operation = match step {
        Step::ResetPin(mail) => {
            if let Some(outcome) = mail {
                let scenario =
                    json!({"mailbox": USER, "operation": "ResetPIN", "outcomes": [outcome]});
                let added = mock
                    .admin("POST", "/__admin/scenarios", Some(scenario))
                    .await;
                assert_eq!(added.status, 201, "{}", added.text());
            }
            "ResetPIN"
        }
        Step::GetUmProperties => "GetUMProperties",
        Step::IsUmEnabled => "IsUMEnabled",
    };
    let body = crate::support::envelope(crate::support::HTTP_NS, operation);
    let reply = mock.post_as(USER, "/EWS/UM2007Legacy.asmx", body).await;
    (reply.status, reply.body)
}

#[test]
fn a_relay_outage_never_changes_a_soap_answer() {
    let runtime = runtime();
    // A relay that refuses, and one that accepts connections but never answers (each try then
    // waits for its timeout): the answers must be those of a server with no relay at all.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
    let (plain, refused, unanswered) = runtime.block_on(async {
        (
            Mock::with(UmMockServer::builder().seed(7)).await,
            Mock::with(dead_relay(Duration::from_millis(1)).seed(7)).await,
            Mock::with(UmMockServer::builder().smtp_relay(silent_url).seed(7)).await,
        )
    });

    check(24, steps(), |steps| {
        runtime.block_on(async {
            for step in &steps {
                let expected = answer(&plain, step).await;
                for (name, relayed) in [("refused", &refused), ("unanswered", &unanswered)] {
                    let got = answer(relayed, step).await;
                    prop_assert_eq!(got.0, expected.0, "{} relay, {:?}", name, step);
                    prop_assert_eq!(
                        String::from_utf8_lossy(&got.1),
                        String::from_utf8_lossy(&expected.1),
                        "{} relay, {:?}",
                        name,
                        step
                    );
                }
            }
            Ok(())
        })
    });
}

#[tokio::test]
async fn a_relay_ca_file_that_is_not_a_regular_file_is_never_read() {
    // `/dev/zero` would fill memory if it were read; it is refused from its metadata.
    let error = UmMockServer::builder()
        .smtp_relay("smtps://127.0.0.1:465")
        .smtp_relay_ca_file("/dev/zero")
        .start()
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Relay);
    assert!(
        error.to_string().contains("/dev/zero") && error.to_string().contains("not a regular file"),
        "{error}"
    );
}

#[tokio::test]
async fn a_sessions_emails_are_relayed_too_and_their_delivery_shows_in_that_session_only() {
    let mock = Mock::with(dead_relay(Duration::from_millis(10))).await;
    let session = crate::sessions::Double::create(&mock).await;

    session.reset_pin_ok("alice").await;

    let latest = session.get_json("/__admin/emails/latest").await;
    assert!(latest["relay"].is_object(), "not relayed: {latest}");
    let id = latest["id"].as_u64().unwrap();
    let states = relay_states(&mock, &session.prefix, id, "failed").await;
    let attempts: Vec<&Value> = states.iter().map(|s| &s["attempts"]).collect();
    assert_eq!(attempts, [0, 1, 2, 3, 4]);
    let email = session.get_json(&format!("/__admin/emails/{id}")).await;
    assert_eq!(email["relay"], states[4]);
    assert_eq!(mock.get_json("/__admin/emails").await["total"], 0);
}
