//! The schema against `validate`: each kind of mistake `validate` reports that a JSON Schema
//! can express is flagged by the schema too, at the same place, so an editor shows it while
//! the file is typed; the mistakes only the loader can see (references, a PIN against its own
//! policy, duplicates) are listed too, and the schema lets them through rather than guessing.

use serde_json::{json, Value};

use crate::schema::{fixture_set_with_responses, schema_errors, validator};

/// A small valid `mock.json` using every section, each mistake below changes one value of it.
fn base() -> Value {
    json!({
        "$schema": "./mock.schema.json",
        "server": { "fqdn": "um01.contoso.com", "auth": ["ntlm", "basic"] },
        "mail": { "subject": "PIN for {display_name}", "text": "Your PIN is {pin}." },
        "policies": [ { "name": "Strict", "min_pin_length": 8 } ],
        "dial_plans": [ { "name": "Contoso", "access_numbers": ["+1 425 555 0100"] } ],
        "mailboxes": [ {
            "smtp_address": "a@x.com", "logons": ["X\\a"], "display_name": "A",
            "extension": "100", "policy": "Strict", "dial_plan": "Contoso", "pin": "13579024",
            "properties": { "play_on_phone_dial_string": "4001", "telephone_access_folder_email": "QUJD" }
        } ],
        "scenarios": [ {
            "mailbox": "a@x.com", "operation": "ResetPIN",
            "outcomes": [
                "default",
                { "fixture": "ResetPIN/server-busy", "status": 503 },
                { "fault": "TransientException", "message": "busy" },
                { "http": 503, "body": "down", "headers": { "Retry-After": "1" } },
                { "mail": "drop", "delay_ms": 10 }
            ]
        } ]
    })
}

/// `doc` with the value at JSON pointer `at` set (a missing last key is added).
fn with(mut doc: Value, at: &str, value: Value) -> Value {
    if at.is_empty() {
        return value;
    }
    let (parent, last) = at.rsplit_once('/').unwrap();
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(last.to_string(), value);
        }
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = value,
        other => panic!("{parent} is {other}"),
    }
    doc
}

/// A loader path (`mailboxes[0].logons[1]`) as a JSON pointer (`/mailboxes/0/logons/1`).
fn pointer(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    format!(
        "/{}",
        path.replace('[', ".").replace(']', "").replace('.', "/")
    )
}

/// The problems `validate` reports for `doc`, as (pointer, problem).
fn loader_problems(doc: &Value) -> Vec<(String, String)> {
    match fixture_set_with_responses(&doc.to_string()).validate() {
        Ok(_) => Vec::new(),
        Err(error) => error
            .problems()
            .iter()
            .map(|p| (pointer(&p.path), p.message.clone()))
            .collect(),
    }
}

/// Mistakes a schema can express: (pointer, the wrong value).
fn expressible() -> Vec<(&'static str, Value)> {
    let long = "x".repeat(513);
    vec![
        ("", json!([])),
        ("/extra", json!(1)),
        ("/$schema", json!(5)),
        ("/mailboxes", json!({})),
        ("/server/fqdn", json!(5)),
        ("/server/fqdn", json!("not a host")),
        ("/server/call_step_ms", json!(600_001)),
        ("/server/auth", json!([])),
        ("/server/auth", json!(["kerberos"])),
        ("/server/auth", json!(["ntlm", "ntlm"])),
        ("/server/ntlm_challenge", json!("old")),
        ("/server/extended_protection", json!("always")),
        ("/server/require_ssl", json!("yes")),
        ("/server/port", json!(80)),
        ("/mail/subject", json!("one\nline")),
        ("/mail/from", json!("{nope} <x@y>")),
        ("/mail/text", json!("no pin here")),
        ("/mail/text", json!("{pin} and {pn}")),
        ("/policies/0/min_pin_length", json!(3)),
        ("/policies/0/min_pin_length", json!(25)),
        ("/policies/0/pin_history_count", json!(21)),
        ("/policies/0/pin_lifetime_days", json!(1000)),
        ("/policies/0/max_logon_attempts", json!(0)),
        ("/policies/0/logon_failures_before_pin_reset", json!(1000)),
        ("/policies/0/reset_pin_text", json!(long)),
        ("/policies/0/allow_common_patterns", json!("yes")),
        ("/policies/0/name", json!(" ")),
        ("/dial_plans/0/name", json!("")),
        ("/dial_plans/0/access_numbers", json!("+1 425 555 0100")),
        ("/mailboxes/0/smtp_address", json!("not an address")),
        (
            "/mailboxes/0/smtp_address",
            json!(format!("{}@x.com", "a".repeat(251))),
        ),
        ("/mailboxes/0/logons/0", json!("l".repeat(257))),
        ("/mailboxes/0/display_name", json!("d".repeat(257))),
        ("/mail/subject", json!("s".repeat(999))),
        ("/mail/from", json!("f".repeat(999))),
        (
            "/mail/text",
            json!(format!("{{pin}}{}", "t".repeat(65_536))),
        ),
        ("/mailboxes/0/logons/0", json!(" ")),
        ("/mailboxes/0/logons/0", json!("a\r\nb")),
        (
            "/mailboxes/0/display_name",
            json!("A\r\nBcc: eve@evil.example"),
        ),
        ("/mailboxes/0/display_name", json!("A\u{1}")),
        ("/mailboxes/0/extension", json!("12a")),
        ("/mailboxes/0/extension", json!("123456789012345678901")),
        ("/mailboxes/0/extension", Value::Null),
        ("/mailboxes/0/pin", json!("1357902a")),
        ("/mailboxes/0/pin", json!("123")),
        ("/mailboxes/0/um_enabled", json!("yes")),
        ("/mailboxes/0/failed_logons", json!(-1)),
        ("/mailboxes/0/pasword", json!("x")),
        ("/mailboxes/0/properties/oof", json!(true)),
        (
            "/mailboxes/0/properties/telephone_access_folder_email",
            json!("not base64!"),
        ),
        (
            "/mailboxes/0/properties/play_on_phone_dial_string",
            json!("1\u{2}"),
        ),
        ("/scenarios/0/operation", json!("ResetPin")),
        ("/scenarios/0/mailbox", json!("not an address")),
        ("/scenarios/0/outcomes", json!([])),
        ("/scenarios/0/then", json!("forever")),
        ("/scenarios/0/outcomes/0", json!("sometimes")),
        ("/scenarios/0/outcomes/0", json!(7)),
        (
            "/scenarios/0/outcomes/0",
            json!({ "fault": "X", "http": 500 }),
        ),
        ("/scenarios/0/outcomes/0", json!({ "network": "explode" })),
        ("/scenarios/0/outcomes/0", json!({ "mail": "lose" })),
        (
            "/scenarios/0/outcomes/0",
            json!({ "mail_delay_ms": "soon" }),
        ),
        ("/scenarios/0/outcomes/0", json!({ "delay_ms": 3_600_001 })),
        ("/scenarios/0/outcomes/0", json!({ "http": 42 })),
        (
            "/scenarios/0/outcomes/0",
            json!({ "http": 204, "body": "x" }),
        ),
        (
            "/scenarios/0/outcomes/0",
            json!({ "http": 503, "headers": { "content-length": "1" } }),
        ),
        (
            "/scenarios/0/outcomes/0",
            json!({ "http": 503, "headers": { "X-A": "a\nb" } }),
        ),
        (
            "/scenarios/0/outcomes/0",
            json!({ "http": 503, "headers": { "bad name": "a" } }),
        ),
        ("/scenarios/0/outcomes/0", json!({ "fault": "not a name" })),
        (
            "/scenarios/0/outcomes/0",
            json!({ "fault": "X", "message": "\u{1}" }),
        ),
        (
            "/scenarios/0/outcomes/0",
            json!({ "fault": "X", "body": "b" }),
        ),
        ("/scenarios/0/outcomes/0", json!({ "status": 500 })),
        (
            "/scenarios/0/outcomes/0",
            json!({ "fixture": "ResetPIN/server-busy", "stauts": 1 }),
        ),
    ]
}

#[test]
fn the_base_fixture_of_these_tests_is_valid_for_both() {
    let doc = base();

    assert_eq!(loader_problems(&doc), []);
    assert_eq!(schema_errors(&validator(), &doc), Vec::<String>::new());
}

#[test]
fn each_mistake_validate_reports_that_a_schema_can_express_is_flagged_by_the_schema_at_its_place() {
    let validator = validator();
    for (at, value) in expressible() {
        let doc = with(base(), at, value.clone());

        let loader = loader_problems(&doc);
        let schema: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| e.instance_path().as_str().to_string())
            .collect();

        assert!(!loader.is_empty(), "validate accepts {at} = {value}");
        // Same place: one names the other's value or a part of it (the schema reports a
        // missing key at its object, the loader at the key; an outcome at the outcome).
        let related = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
        let flagged = loader.iter().any(|(place, _)| {
            schema
                .iter()
                .any(|s| related(place, s) || related(s, place))
        });
        assert!(
            flagged,
            "{at} = {value}: validate says {loader:?}, the schema says {schema:?}"
        );
    }
}

#[test]
fn mistakes_only_the_loader_can_see_pass_the_schema_and_fail_validate() {
    let validator = validator();
    let mut duplicate_mailbox = base();
    let copy = duplicate_mailbox["mailboxes"][0].clone();
    duplicate_mailbox["mailboxes"]
        .as_array_mut()
        .unwrap()
        .push(copy);
    let mut duplicate_policy = base();
    duplicate_policy["policies"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "Strict" }));
    let mut shared_extension = base();
    shared_extension["mailboxes"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "smtp_address": "b@x.com", "extension": "100", "dial_plan": "Contoso"
        }));
    let cases = [
        // References between sections and to files.
        with(base(), "/mailboxes/0/policy", json!("Nope")),
        with(base(), "/mailboxes/0/dial_plan", json!("Nope")),
        with(base(), "/scenarios/0/mailbox", json!("zed@x.com")),
        with(
            base(),
            "/scenarios/0/outcomes/1",
            json!({ "fixture": "ResetPIN/missing" }),
        ),
        with(
            base(),
            "/scenarios/0/outcomes/1",
            json!({ "fixture": "IsUMEnabled/x" }),
        ),
        // A PIN against its own policy and extension.
        with(base(), "/mailboxes/0/pin", json!("1357902")),
        with(base(), "/mailboxes/0/pin", json!("12345678")),
        with(base(), "/mailboxes/0/pin", json!("13510024")),
        // One key against another, and duplicates.
        with(
            base(),
            "/policies/0/logon_failures_before_pin_reset",
            json!(20),
        ),
        duplicate_mailbox,
        duplicate_policy,
        shared_extension,
    ];

    for doc in cases {
        let loader = loader_problems(&doc);
        let schema = schema_errors(&validator, &doc);

        assert!(!loader.is_empty(), "validate accepts {doc}");
        assert!(schema.is_empty(), "{doc}: {schema:?}");
    }
}

#[test]
fn the_broken_fixtures_of_the_validate_tests_are_refused_by_the_schema() {
    let validator = validator();
    // The folders `cli.rs` runs `validate` on, minus the ones whose only mistake is a
    // reference (an unknown policy), which only the loader can see.
    let broken = [
        r#"{
          "policies": [{"name": "Strict", "min_pin_length": 3}],
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}]
        }"#,
        r#"{
          "server": {"fqdn": 5},
          "mail": {"text": "no pin here"},
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}],
          "scenarios": [{"mailbox": "zed@x.com", "operation": "ResetPIN", "outcomes": ["default"]}]
        }"#,
        r#"{"mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "display_name": "A\r\nBcc: eve@evil.example"}]}"#,
        r#"{
          "policies": [{"name": "Strict", "min_pin_length": 3}],
          "mailboxes": [
            {"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"},
            {"smtp_address": "b@x.com", "extension": "200", "pin": "1234", "policy": "Strict"},
            {"smtp_address": "A@x.com", "extension": "300", "pasword": "x"},
            {"smtp_address": "c@x.com", "logons": ["a@X.com"], "um_enabled": false}
          ],
          "extra": 1
        }"#,
    ];

    for json in broken {
        let doc: Value = serde_json::from_str(json).unwrap();

        let schema = schema_errors(&validator, &doc);

        assert!(!loader_problems(&doc).is_empty());
        assert!(!schema.is_empty(), "the schema accepts {json}");
    }
}

#[test]
fn outcomes_at_the_edges_get_the_same_verdict_from_both() {
    // (outcome, accepted): an empty `headers` beside any kind is no header at all; header
    // values may be UTF-8 text; `null` is refused for every key, as the loader refuses it.
    let cases = [
        (json!({"fault": "TransientException", "headers": {}}), true),
        (json!({"network": "close", "headers": {}}), true),
        (
            json!({"http": 503, "headers": {"X-Msg": "inténtelo más tarde"}}),
            true,
        ),
        (json!({"http": 503, "headers": {"X-Msg": "a\u{7}b"}}), false),
        (
            json!({"fault": "TransientException", "headers": {"X-A": "1"}}),
            false,
        ),
        (
            json!({"fault": "TransientException", "message": null}),
            false,
        ),
        (json!({"fixture": null}), false),
        (json!({"http": 503, "body": null}), false),
        (json!({"fault": null}), false),
        (json!({"http": null}), false),
        (json!({"delay_ms": null}), false),
    ];
    let validator = validator();
    for (outcome, accepted) in cases {
        let doc = with(base(), "/scenarios/0/outcomes/0", outcome.clone());
        let loader = loader_problems(&doc);
        let schema = schema_errors(&validator, &doc);
        assert_eq!(
            loader.is_empty(),
            accepted,
            "loader on {outcome}: {loader:?}"
        );
        assert_eq!(
            schema.is_empty(),
            accepted,
            "schema on {outcome}: {schema:?}"
        );
    }
}

#[test]
fn a_list_where_an_object_goes_is_refused_by_both() {
    let validator = validator();
    for at in [
        "/mail",
        "/server",
        "/policies/0",
        "/mailboxes/0",
        "/mailboxes/0/properties",
    ] {
        let doc = with(base(), at, json!([]));
        let loader = loader_problems(&doc);
        assert!(
            loader
                .iter()
                .any(|(path, problem)| path == at && problem.contains("not a list")),
            "loader at {at}: {loader:?}"
        );
        assert!(
            !schema_errors(&validator, &doc).is_empty(),
            "schema at {at}"
        );
    }
}
