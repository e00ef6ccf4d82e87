//! The double's clock (`/__admin/clock`): what it reads, how it moves, and that the
//! times the double writes (`sent_at`, `received_at`, `pin_set_at`, a call's `started_at`) and
//! PIN expiry follow it.

use serde_json::{json, Value};

use crate::phone::{change_pin, logon};
use crate::support::*;

async fn set_clock(mock: &Mock, body: Value) -> Reply {
    mock.admin("POST", "/__admin/clock", Some(body)).await
}

fn days_ms(days: u64) -> u64 {
    days * 86_400_000
}

#[tokio::test]
async fn the_clock_reads_real_time_until_moved_and_delete_or_reset_bring_it_back() {
    let mock = Mock::start().await;

    let start = mock.get_json("/__admin/clock").await;
    let advanced = set_clock(&mock, json!({"advance_ms": 1500})).await;
    let again = set_clock(&mock, json!({"advance_ms": 500})).await;
    let set = set_clock(&mock, json!({"set": "2030-01-01T10:00:00+02:00"})).await;
    let deleted = mock.admin("DELETE", "/__admin/clock", None).await;
    set_clock(&mock, json!({"advance_ms": days_ms(1)})).await;
    let reset = mock.admin("POST", "/__admin/reset", None).await;

    assert_eq!(start["offset_ms"], 0);
    assert!(start["now"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        (advanced.status, advanced.json()["offset_ms"].clone()),
        (200, json!(1500))
    );
    assert_eq!(again.json()["offset_ms"], 2000, "advances add up");
    assert_eq!(set.status, 200);
    assert!(
        set.json()["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T08:00:0"),
        "{}",
        set.text()
    );
    assert_eq!(
        (deleted.status, deleted.json()["offset_ms"].clone()),
        (200, json!(0))
    );
    assert_eq!(reset.status, 204);
    assert_eq!(mock.get_json("/__admin/clock").await["offset_ms"], 0);
}

#[tokio::test]
async fn a_negative_advance_or_a_bad_value_is_400_and_the_clock_stays() {
    let mock = Mock::start().await;
    let cases = [
        (json!({"advance_ms": -1}), "advance_ms must not be negative"),
        (json!({"advance_ms": "1"}), "bad JSON body at advance_ms"),
        (
            json!({"set": "tomorrow"}),
            "set: 'tomorrow' is not an RFC 3339 time",
        ),
        (
            json!({"set": "2030-02-30T00:00:00Z"}),
            "is not an RFC 3339 time",
        ),
        (
            json!({"advance_ms": 1, "set": "2030-01-01T00:00:00Z"}),
            "exactly one of",
        ),
        (json!({}), "exactly one of"),
        (json!({"offset_ms": 5}), "unknown field `offset_ms`"),
    ];

    for (body, error) in cases {
        let reply = set_clock(&mock, body.clone()).await;

        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        let got = reply.json()["error"].as_str().unwrap().to_string();
        assert!(got.contains(error), "{body}: {got}");
    }
    assert_eq!(mock.get_json("/__admin/clock").await["offset_ms"], 0);
    let put = mock.admin("PUT", "/__admin/clock", None).await;
    assert_eq!(
        (put.status, put.header("Allow")),
        (405, "GET, HEAD, POST, DELETE")
    );
}

#[tokio::test]
async fn an_advance_past_the_lifetime_expires_a_pin_and_a_change_renews_it() {
    let mock = Mock::start().await;
    let alice = "alice@contoso.com";

    let fresh = logon(&mock, alice, "135790").await;
    set_clock(&mock, json!({"advance_ms": days_ms(60) + 1000})).await;
    let old = logon(&mock, alice, "135790").await;
    let changed = change_pin(&mock, alice, "135790", "246813").await;
    let renewed = logon(&mock, alice, "246813").await;
    set_clock(&mock, json!({"advance_ms": days_ms(61)})).await;
    let expired = logon(&mock, alice, "246813").await;

    assert_eq!(fresh["result"], "ok");
    assert_eq!(old["result"], "change_required");
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(renewed["result"], "ok");
    assert_eq!(expired["result"], "change_required");
    let erin_lifetime_0 = mock.mailbox("erin@contoso.com").await;
    assert_eq!(erin_lifetime_0["pin_expires_at"], Value::Null);
}

#[tokio::test]
async fn times_the_double_writes_come_from_its_clock() {
    let mock = Mock::start().await;
    set_clock(&mock, json!({"set": "2030-01-01T00:00:00Z"})).await;

    let id = mock.reset_pin_ok("alice").await.request_id();
    let patched = mock
        .admin(
            "PATCH",
            "/__admin/mailboxes/carol@contoso.com",
            Some(json!({"pin": "97531864"})),
        )
        .await
        .json();

    let email = mock.get_json("/__admin/emails/latest").await;
    let at = |v: &Value| v.as_str().unwrap()[..15].to_string();
    assert_eq!(at(&email["sent_at"]), "2030-01-01T00:0");
    assert_eq!(
        at(&mock.journal_entry(id).await["received_at"]),
        "2030-01-01T00:0"
    );
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(at(&alice["pin_set_at"]), "2030-01-01T00:0");
    assert_eq!(
        at(&alice["pin_expires_at"]),
        "2030-03-02T00:0",
        "60 days later"
    );
    assert_eq!(at(&patched["pin_set_at"]), "2030-01-01T00:0");
    assert_eq!(
        at(&patched["pin_expires_at"]),
        "2030-01-31T00:0",
        "Strict: 30 days"
    );
    let raw = mock
        .admin("GET", &format!("/__admin/emails/{}/raw", email["id"]), None)
        .await;
    assert!(
        raw.text().contains("Date: Tue, 01 Jan 2030 00:0"),
        "{}",
        raw.text()
    );
}

#[tokio::test]
async fn fixture_pins_are_set_when_the_fixtures_are_loaded_or_reset() {
    let mock = Mock::start().await;
    let loaded = mock.get_json("/__admin/clock").await["now"].clone();
    let year = |v: &Value| v.as_str().unwrap()[..4].to_string();

    let alice = mock.mailbox("alice@contoso.com").await;
    set_clock(&mock, json!({"set": "2040-06-01T00:00:00Z"})).await;
    mock.admin("POST", "/__admin/reset", None).await;
    let after_reset = mock.mailbox("alice@contoso.com").await;

    assert_eq!(year(&alice["pin_set_at"]), year(&loaded));
    assert_eq!(
        year(&after_reset["pin_set_at"]),
        year(&loaded),
        "a reset restores real time first"
    );
    let bob = mock.mailbox("bob@contoso.com").await;
    assert_eq!(
        (bob["pin_set_at"].clone(), bob["pin_expires_at"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn the_library_moves_the_clock_like_the_admin_api() {
    use std::time::{Duration, UNIX_EPOCH};
    let mock = Mock::start().await;
    let server = &mock.server;
    let new_year = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01T00:00:00Z

    server.set_clock(new_year);
    server.advance_clock(Duration::from_secs(3600));
    let now = mock.get_json("/__admin/clock").await;
    let library = server.clock();
    server.reset_clock();

    assert!(
        now["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T01:00:0"),
        "{now}"
    );
    let drift = library
        .duration_since(new_year + Duration::from_secs(3600))
        .unwrap();
    assert!(drift < Duration::from_secs(10));
    assert_eq!(mock.get_json("/__admin/clock").await["offset_ms"], 0);
}
