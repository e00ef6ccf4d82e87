//! Phone logon (Outlook Voice Access) and the PIN change at the phone prompt: the
//! reset followed through to the phone, Exchange's counting of failures, every refusal of a
//! new PIN, bad requests, and concurrent logons. The clock has its own module (`clock.rs`).

use exchange_um_mock::ErrorKind;
use serde_json::{json, Value};

use crate::support::*;

pub async fn logon(mock: &Mock, address: &str, pin: &str) -> Value {
    let reply = logon_reply(mock, address, json!({ "pin": pin })).await;
    assert_eq!(reply.status, 200, "logon {address} {pin}: {}", reply.text());
    reply.json()
}

async fn logon_reply(mock: &Mock, address: &str, body: Value) -> Reply {
    mock.admin(
        "POST",
        &format!("/__admin/mailboxes/{address}/logon"),
        Some(body),
    )
    .await
}

pub async fn change_pin(mock: &Mock, address: &str, old: &str, new: &str) -> Reply {
    mock.admin(
        "POST",
        &format!("/__admin/mailboxes/{address}/pin"),
        Some(json!({ "old_pin": old, "new_pin": new })),
    )
    .await
}

fn outcome(result: &str, failed_logons: u32, locked_out: bool, pin_reset: bool) -> Value {
    json!({ "result": result, "failed_logons": failed_logons, "locked_out": locked_out, "pin_reset": pin_reset })
}

#[tokio::test]
async fn a_locked_out_user_is_reset_through_soap_signs_in_with_the_emailed_pin_and_changes_it() {
    let mock = Mock::start().await;
    let erin = "erin@contoso.com";

    let locked = logon(&mock, erin, "2580").await;
    mock.reset_pin_ok("erin").await;
    let emailed = mock.get_json("/__admin/emails/latest").await["pin"]
        .as_str()
        .unwrap()
        .to_string();
    let first = logon(&mock, erin, &emailed).await;
    let changed = change_pin(&mock, erin, &emailed, "8642").await;
    let second = logon(&mock, erin, "8642").await;

    assert_eq!(locked, outcome("locked_out", 15, true, false));
    assert_eq!(first, outcome("change_required", 0, false, false));
    assert_eq!(changed.status, 200, "{}", changed.text());
    let mailbox = changed.json();
    assert_eq!(mailbox, mock.mailbox(erin).await);
    assert_eq!(mailbox["pin"], "8642");
    assert_eq!(mailbox["pin_expired"], false);
    assert_eq!(mailbox["failed_logons"], 0);
    assert_eq!(mailbox["pin_history"], json!(["8642"]), "Lax keeps 1 PIN");
    assert_eq!(second, outcome("ok", 0, false, false));
    assert_eq!(
        mock.emails("").await["total"],
        1,
        "a PIN change sends no email"
    );
}

#[tokio::test]
async fn exchange_defaults_reset_the_pin_at_5_and_10_failures_and_lock_out_at_15() {
    let mock = Mock::start().await;
    let alice = "alice@contoso.com";

    let mut outcomes = Vec::new();
    for _ in 0..16 {
        outcomes.push(logon(&mock, alice, "000001").await);
    }

    for (i, got) in outcomes.iter().enumerate() {
        let n = i as u32 + 1;
        let want = match n {
            5 | 10 => outcome("wrong_pin", n, false, true),
            15 | 16 => outcome("locked_out", 15, true, false),
            _ => outcome("wrong_pin", n, false, false),
        };
        assert_eq!(got, &want, "logon {n}");
    }
    let emails = mock.emails("").await;
    let emails = emails["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    for email in emails {
        assert_eq!(email["operation"], "AutoResetPIN");
        assert_eq!(email["request_id"], Value::Null);
        assert_eq!(email["to"], alice);
    }
    let mailbox = mock.mailbox(alice).await;
    assert_eq!(
        mailbox["pin_history"],
        json!(["135790", emails[0]["pin"], emails[1]["pin"]])
    );
    assert_eq!(mailbox["pin"], emails[1]["pin"]);
    assert_eq!(mailbox["pin_expired"], true);
    assert_eq!(
        mailbox["failed_logons"], 15,
        "a reset does not clear the count"
    );
    assert_eq!(mailbox["locked_out"], true);
}

#[tokio::test]
async fn a_locked_out_mailbox_stays_locked_for_the_right_pin_until_a_reset() {
    let mock = Mock::start().await;
    let before = mock.mailbox("erin@contoso.com").await;

    let first = logon(&mock, "erin@contoso.com", "2580").await;
    let second = logon(&mock, "erin@contoso.com", "2580").await;

    assert_eq!(first, outcome("locked_out", 15, true, false));
    assert_eq!(second, first);
    assert_eq!(mock.mailbox("erin@contoso.com").await, before);
    let refused = change_pin(&mock, "erin@contoso.com", "2580", "8642").await;
    assert_eq!((refused.status, refused.json()), (200, first));
}

#[tokio::test]
async fn a_mailbox_without_um_is_refused_and_nothing_changes() {
    let mock = Mock::start().await;

    let bob = logon(&mock, "bob@contoso.com", "123456").await;

    assert_eq!(bob, outcome("not_um_enabled", 0, false, false));
}

#[tokio::test]
async fn a_right_pin_clears_the_failure_count() {
    let mock = Mock::start().await;
    let alice = "alice@contoso.com";
    logon(&mock, alice, "000001").await;
    logon(&mock, alice, "000001").await;

    let right = logon(&mock, alice, "135790").await;

    assert_eq!(right, outcome("ok", 0, false, false));
    assert_eq!(mock.mailbox(alice).await["failed_logons"], 0);
}

#[tokio::test]
async fn every_refusal_of_a_new_pin_is_listed_and_nothing_changes() {
    let mock = Mock::start().await;
    let alice = "alice@contoso.com";
    let before = mock.mailbox(alice).await;
    let policy = "(policy 'Default')";
    let cases: [(&str, Vec<String>); 8] = [
        (
            "2468",
            vec!["PIN '2468' has 4 digits; policy 'Default' needs 6 to 24".into()],
        ),
        (
            "1357913579135791357913579",
            vec![
                "PIN '1357913579135791357913579' has 25 digits; policy 'Default' needs 6 to 24"
                    .into(),
            ],
        ),
        (
            "135790",
            vec![format!("PIN '135790' is one of the last 5 PINs {policy}")],
        ),
        (
            "777777",
            vec![format!("PIN '777777' is one repeated digit {policy}")],
        ),
        (
            "345678",
            vec![format!(
                "PIN '345678' is a run of consecutive digits {policy}"
            )],
        ),
        (
            "940012",
            vec![format!("PIN '940012' contains the extension 4001 {policy}")],
        ),
        ("12ab56", vec!["PIN '12ab56' must be digits only".into()]),
        (
            "1111",
            vec![
                "PIN '1111' has 4 digits; policy 'Default' needs 6 to 24".into(),
                format!("PIN '1111' is one repeated digit {policy}"),
            ],
        ),
    ];

    for (new_pin, problems) in cases {
        let reply = change_pin(&mock, alice, "135790", new_pin).await;

        assert_eq!(reply.status, 400, "{new_pin}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["problems"], json!(problems), "{new_pin}");
        assert!(body["error"]
            .as_str()
            .unwrap()
            .starts_with("the PIN was not changed: "));
    }
    assert_eq!(mock.mailbox(alice).await, before);
}

#[tokio::test]
async fn a_wrong_old_pin_counts_as_a_failed_logon() {
    let mock = Mock::start().await;

    let reply = change_pin(&mock, "alice@contoso.com", "000001", "246813").await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), outcome("wrong_pin", 1, false, false));
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(
        (alice["pin"].clone(), alice["failed_logons"].clone()),
        (json!("135790"), json!(1))
    );
}

#[tokio::test]
async fn bad_requests_are_400_with_the_json_path_and_unknown_mailboxes_404() {
    let mock = Mock::start().await;
    let alice = "/__admin/mailboxes/alice@contoso.com";
    let cases = [
        ("logon", json!({"pin": 135790}), "bad JSON body at pin"),
        ("logon", json!({}), "missing field `pin`"),
        (
            "logon",
            json!({"pin": "1", "pn": "2"}),
            "unknown field `pn`",
        ),
        ("logon", json!({"pin": "12a456"}), "pin must be digits only"),
        ("logon", json!({"pin": ""}), "pin must be digits only"),
        (
            "pin",
            json!({"old_pin": "135790"}),
            "missing field `new_pin`",
        ),
        (
            "pin",
            json!({"old_pin": "135790", "new_pin": []}),
            "bad JSON body at new_pin",
        ),
        (
            "pin",
            json!({"old_pin": "x", "new_pin": "246813"}),
            "old_pin must be digits only",
        ),
    ];

    for (resource, body, error) in cases {
        let reply = mock
            .admin("POST", &format!("{alice}/{resource}"), Some(body.clone()))
            .await;

        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        let got = reply.json()["error"].as_str().unwrap().to_string();
        assert!(got.contains(error), "{body}: {got}");
    }
    let unknown = logon_reply(&mock, "nobody@contoso.com", json!({"pin": "1"})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"], "no mailbox 'nobody@contoso.com'");
    let unknown = change_pin(&mock, "nobody@contoso.com", "1", "2").await;
    assert_eq!(unknown.status, 404);
    let get = mock.admin("GET", &format!("{alice}/logon"), None).await;
    assert_eq!((get.status, get.header("Allow")), (405, "POST"));
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(alice["failed_logons"], 0, "no bad request counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_logons_for_one_mailbox_are_each_counted() {
    let mock = std::sync::Arc::new(
        Mock::with_mock_json(
            r#"{"policies": [{"name": "Default", "max_logon_attempts": 999, "logon_failures_before_pin_reset": 0}],
                "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "pin": "135790"}]}"#,
        )
        .await,
    );
    let n = 64;

    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let mock = mock.clone();
            tokio::spawn(async move { logon(&mock, "a@x.com", "000001").await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap()["failed_logons"].as_u64().unwrap());
    }

    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=n).collect::<Vec<u64>>(),
        "each saw its own count"
    );
    assert_eq!(mock.mailbox("a@x.com").await["failed_logons"], n);
}

#[tokio::test]
async fn the_library_logs_on_and_changes_pins_like_the_admin_api() {
    let mock = Mock::start().await;
    let server = &mock.server;

    let wrong = server.phone_logon("alice@contoso.com", "000001").unwrap();
    let refused = server
        .change_pin("alice@contoso.com", "135790", "777")
        .unwrap_err();
    let not_signed_in = server
        .change_pin("alice@contoso.com", "000001", "246813")
        .unwrap_err();
    let changed = server
        .change_pin("alice@contoso.com", "135790", "246813")
        .unwrap();

    assert_eq!(
        serde_json::to_value(&wrong).unwrap(),
        outcome("wrong_pin", 1, false, false)
    );
    assert_eq!(refused.kind(), ErrorKind::Invalid, "{refused}");
    assert_eq!(refused.problems().len(), 2, "{refused}");
    assert_eq!(not_signed_in.kind(), ErrorKind::NotSignedIn);
    assert_eq!(
        not_signed_in.to_string(),
        "the old PIN did not sign in: wrong_pin (2 failed logons)"
    );
    assert_eq!(
        serde_json::to_value(&changed).unwrap(),
        mock.mailbox("alice@contoso.com").await
    );
    let nobody = server.phone_logon("nobody@contoso.com", "1").unwrap_err();
    assert_eq!(nobody.kind(), ErrorKind::NoMailbox);
    assert_eq!(nobody.to_string(), "no mailbox 'nobody@contoso.com'");
    let letters = server.phone_logon("alice@contoso.com", "x").unwrap_err();
    assert_eq!(letters.kind(), ErrorKind::Invalid);
    assert_eq!(
        letters.to_string(),
        "the PIN was not tried: pin: must be digits only (0-9)"
    );
    assert_eq!(letters.problems()[0].path, "pin");
}
