//! Arbitrary PATCH bodies for alice's mailbox: 200 with the mailbox or a 400 JSON error that
//! leaves her exactly as before; after a 200 her ResetPIN still gets a well-formed answer and
//! an email exactly when it succeeds.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::json::{key, number, object, string, value};
use super::soap::parse_answer;
use super::{assert_json_error, check, runtime, try_send};
use crate::support::*;

const ALICE: &str = "alice@contoso.com";

/// The keys of a mailbox PATCH (`MailboxPatch`).
const KEYS: &[&str] = &[
    "display_name",
    "logons",
    "password",
    "um_enabled",
    "extension",
    "policy",
    "dial_plan",
    "language",
    "pin",
    "pin_expired",
    "locked_out",
    "failed_logons",
    "properties",
];

/// The keys of `properties` (`PropertiesPatch`).
const PROPERTY_KEYS: &[&str] = &[
    "oof_status",
    "missed_call_notification_enabled",
    "play_on_phone_dial_string",
    "telephone_access_folder_email",
];

const NAMES: &[&str] = &[
    "Alice Wood",
    "A",
    "Alice\r\nBcc: eve@example.com",
    "Default",
];
const LOGONS: &[&str] = &[
    "alice",
    "CONTOSO\\alice",
    "CONTOSO\\bob",
    "bob",
    "carol@contoso.com",
    "new.logon",
    "x\ny",
];
const POLICIES: &[&str] = &["Default", "Strict", "Lax", "Nope", "default"];
const DIAL_PLANS: &[&str] = &["Contoso", "Nope"];
const LANGUAGES: &[&str] = &["en-US", "pt-BR", "ja-JP", "sv-SE", "pt_BR", ""];
const EXTENSIONS: &[&str] = &["4001", "4003", "12", "123456789012", "abc"];
const PINS: &[&str] = &[
    "135790", "975318", "123456", "111111", "4001", "2580", "20481632", "abcdef", "12345",
];

/// A value for `key`: mostly of the right type with values that matter to the checks, sometimes
/// any JSON.
fn value_for(name: &str) -> BoxedStrategy<Value> {
    let typed: BoxedStrategy<Value> = match name {
        "display_name" => string(NAMES).prop_map(Value::from).boxed(),
        "logons" => vec(string(LOGONS), 0..4).prop_map(Value::from).boxed(),
        "password" => prop::option::of(string(&["P@ssw0rd!", "pw"]))
            .prop_map(Value::from)
            .boxed(),
        "um_enabled" | "pin_expired" | "locked_out" => any::<bool>().prop_map(Value::from).boxed(),
        "extension" => prop::option::of(string(EXTENSIONS))
            .prop_map(Value::from)
            .boxed(),
        "policy" => string(POLICIES).prop_map(Value::from).boxed(),
        "dial_plan" => prop::option::of(string(DIAL_PLANS))
            .prop_map(Value::from)
            .boxed(),
        "language" => prop::option::of(string(LANGUAGES))
            .prop_map(Value::from)
            .boxed(),
        "pin" => prop_oneof![string(PINS), "[0-9]{0,30}"]
            .prop_map(Value::from)
            .boxed(),
        "failed_logons" => number(),
        "properties" => object(key(PROPERTY_KEYS), property_value()),
        _ => value(KEYS, PINS),
    };
    prop_oneof![4 => typed, 1 => value(KEYS, PINS)].boxed()
}

fn property_value() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        string(&["4255550142", "+1 425 555 0123", "AQIDBA==", "x\r\ny"]).prop_map(Value::from),
    ]
    .boxed()
}

/// A PATCH body: an object of up to six entries, or rarely any JSON at all.
fn patch() -> BoxedStrategy<Value> {
    let entry = key(KEYS).prop_flat_map(|key| {
        let values = value_for(&key);
        (Just(key), values)
    });
    prop_oneof![
        8 => vec(entry, 0..6).prop_map(|e| Value::Object(e.into_iter().collect::<Map<_, _>>())),
        1 => value(KEYS, PINS),
    ]
    .boxed()
}

#[test]
fn any_patch_is_applied_whole_or_refused_with_a_json_error_that_changes_nothing() {
    let rt = runtime();
    let mock = rt.block_on(Mock::start());
    let path = format!("/__admin/mailboxes/{ALICE}");

    check(128, patch(), |patch| {
        rt.block_on(async {
            let reset = mock.admin("POST", "/__admin/reset", None).await;
            prop_assert_eq!(reset.status, 204);
            let before = mock.mailbox(ALICE).await;

            let request = mock.client.patch(mock.url(&path)).json(&patch);
            let reply = try_send(request).await.map_err(TestCaseError::fail)?;
            match reply.status {
                400 => {
                    assert_json_error(&reply)?;
                    prop_assert_eq!(mock.mailbox(ALICE).await, before, "a 400 changed alice");
                    return Ok(());
                }
                200 => {}
                status => prop_assert!(false, "status {}: {}", status, reply.text()),
            }
            let after = mock.mailbox(ALICE).await;
            prop_assert_eq!(&reply.json(), &after, "the PATCH answer is the mailbox");
            assert_history_fits(&after)?;

            // Her address is always a Basic user name; a password set by the patch must be sent.
            let password = patch["password"].as_str().unwrap_or("any password");
            let request = mock
                .client
                .post(mock.url(PATH_2010))
                .header("Authorization", basic(ALICE, password))
                .header("Content-Type", SOAP_CONTENT_TYPE)
                .body(reset_pin_envelope());
            let reset = try_send(request).await.map_err(TestCaseError::fail)?;
            let text = reset.text().to_string();
            prop_assert!(
                reset.status == 200 || reset.status == 500,
                "ResetPIN after {}: {} {}",
                patch,
                reset.status,
                text
            );
            let answer = parse_answer(&reset.body)
                .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(answer.fault, reset.status == 500, "{}", text);
            if answer.fault {
                prop_assert!(reset.maybe_header("X-Exum-Reason").is_some(), "{}", text);
            }
            let emails = mock.emails(&format!("mailbox={ALICE}")).await;
            let succeeded = u64::from(!answer.fault);
            prop_assert_eq!(&emails["total"], &Value::from(succeeded), "{}", emails);
            if let Some(email) = emails["emails"].as_array().unwrap().first() {
                prop_assert_eq!(&email["pin"], &mock.mailbox(ALICE).await["pin"]);
            }
            assert_history_fits(&mock.mailbox(ALICE).await)?;
            Ok(())
        })
    });
}

/// The PIN history holds at most the policy's `pin_history_count` PINs and ends with the PIN.
fn assert_history_fits(mailbox: &Value) -> Result<(), TestCaseError> {
    let kept = match mailbox["policy"].as_str() {
        Some("Strict") => 10,
        Some("Lax") => 1,
        _ => 5,
    };
    let history = mailbox["pin_history"].as_array().unwrap();
    prop_assert!(history.len() <= kept, "history too long: {}", mailbox);
    prop_assert_eq!(history.last(), Some(&mailbox["pin"]), "{}", mailbox);
    Ok(())
}
