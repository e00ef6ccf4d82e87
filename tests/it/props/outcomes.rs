//! Arbitrary outcome JSON as the one outcome of a scenario POSTed to `/__admin/scenarios`:
//! 201 or a 400 JSON error, never 5xx; what is stored is listed as it was stored and can be
//! posted back.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use super::json::{key, leaf, object, string, value};
use super::{assert_json_error, check, runtime, try_send};
use crate::support::*;

/// The keys of the outcome forms, as `mock.json` spells them.
const KEYS: &[&str] = &[
    "fixture",
    "status",
    "headers",
    "fault",
    "message",
    "http",
    "body",
    "network",
    "mail",
    "mail_delay_ms",
    "delay_ms",
];

/// Values the outcome forms give meaning to.
const STRINGS: &[&str] = &[
    "default",
    "reset",
    "close",
    "garbage",
    "hang",
    "drop",
    "duplicate",
    "ResetPIN/server-busy",
    "ResetPIN/nope",
    "../mock.json",
    "UserNotUmEnabledException",
    "InvalidPinException",
    "Retry-After",
    "Content-Length",
];

/// Outcomes the double accepts, to mutate.
const FORMS: &[&str] = &[
    r#"{"fixture": "ResetPIN/server-busy"}"#,
    r#"{"fixture": "ResetPIN/server-busy", "status": 503, "headers": {"Retry-After": "1"}}"#,
    r#"{"fault": "UserNotUmEnabledException", "message": "no"}"#,
    r#"{"http": 503, "body": "busy", "headers": {"Retry-After": "1"}}"#,
    r#"{"network": "reset"}"#,
    r#"{"network": "hang", "delay_ms": 10}"#,
    r#"{"mail": "drop"}"#,
    r#"{"mail": "duplicate", "mail_delay_ms": 20}"#,
    r#"{"mail_delay_ms": 5}"#,
    r#"{"delay_ms": 3000}"#,
];

/// A value for an outcome key, of the right type or not.
fn typed() -> BoxedStrategy<Value> {
    prop_oneof![
        string(STRINGS).prop_map(Value::from),
        (0u64..600).prop_map(Value::from),
        object(string(STRINGS), string(STRINGS).prop_map(Value::from)),
        leaf(STRINGS),
    ]
    .boxed()
}

/// A change to an outcome object: set a key, or remove one.
fn edit() -> impl Strategy<Value = (String, Option<Value>)> {
    (key(KEYS), prop::option::weighted(0.7, typed()))
}

/// An outcome: a string, an accepted form with a few keys set or removed, an object of outcome
/// keys, or any JSON tree.
fn outcome() -> BoxedStrategy<Value> {
    let mutated = (select(FORMS), vec(edit(), 0..3)).prop_map(|(form, edits)| {
        let mut outcome: Value = serde_json::from_str(form).unwrap();
        let fields = outcome.as_object_mut().unwrap();
        for (key, value) in edits {
            match value {
                Some(value) => fields.insert(key, value),
                None => fields.remove(&key),
            };
        }
        outcome
    });
    prop_oneof![
        1 => string(STRINGS).prop_map(Value::from),
        4 => mutated,
        2 => object(select(KEYS).prop_map(String::from), typed()),
        2 => value(KEYS, STRINGS),
    ]
    .boxed()
}

#[test]
fn any_outcome_json_is_stored_or_refused_with_a_json_error_and_never_a_5xx() {
    let rt = runtime();
    let mock = rt.block_on(Mock::start());

    check(128, outcome(), |outcome| {
        rt.block_on(async {
            let scenario = json!({
                "mailbox": "alice@contoso.com",
                "operation": "ResetPIN",
                "outcomes": [outcome],
            });
            let added = post(&mock, &scenario).await?;
            if added.status == 400 {
                return assert_json_error(&added);
            }
            prop_assert_eq!(added.status, 201, "{}", added.text());
            let stored = added.json();

            let listed = mock.get_json("/__admin/scenarios").await;
            let listed = listed["scenarios"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == stored["id"])
                .cloned();
            prop_assert_eq!(listed.as_ref(), Some(&stored), "listed as stored");

            let again = post(&mock, &stored).await?;
            prop_assert_eq!(
                again.status,
                201,
                "posting back {}: {}",
                stored,
                again.text()
            );
            for id in [&stored["id"], &again.json()["id"]] {
                let path = format!("/__admin/scenarios/{id}");
                prop_assert_eq!(mock.admin("DELETE", &path, None).await.status, 204);
            }
            Ok(())
        })
    });
}

/// POSTs a scenario; a dropped connection or a 5xx fails the case.
async fn post(mock: &Mock, scenario: &Value) -> Result<Reply, TestCaseError> {
    let request = mock
        .client
        .post(mock.url("/__admin/scenarios"))
        .json(scenario);
    let reply = try_send(request).await.map_err(TestCaseError::fail)?;
    prop_assert!(reply.status < 500, "{}: {}", reply.status, reply.text());
    Ok(reply)
}
