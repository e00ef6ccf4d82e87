//! `PATCH /__admin/mailboxes/{address}`: a valid change applies whole and is what the next
//! request sees; an invalid one is refused with every problem and changes nothing.

use serde_json::{json, Value};

use crate::support::*;

async fn patch(mock: &Mock, address: &str, body: Value) -> Reply {
    mock.admin(
        "PATCH",
        &format!("/__admin/mailboxes/{address}"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_valid_change_applies_and_the_next_reset_sees_it() {
    let mock = Mock::start().await;

    let reply = patch(
        &mock,
        "alice@contoso.com",
        json!({"display_name": "Alice W.", "pin": "975318", "properties": {"oof_status": true}}),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(reply.json(), alice);
    assert_eq!(alice["display_name"], "Alice W.");
    assert_eq!(alice["pin"], "975318");
    assert_eq!(alice["pin_history"], json!(["135790", "975318"]));
    assert_eq!(alice["properties"]["oof_status"], true);
    assert_eq!(
        alice["properties"]["missed_call_notification_enabled"], true,
        "unset properties stay"
    );

    mock.reset_pin_ok("alice").await;
    let email = mock.get_json("/__admin/emails/latest").await;
    assert!(email["text_body"]
        .as_str()
        .unwrap()
        .contains("Hello Alice W.,"));
    assert_ne!(email["pin"], "975318");
}

#[tokio::test]
async fn a_new_policy_with_a_pin_that_fits_it_changes_what_resets_generate() {
    let mock = Mock::start().await;

    let reply = patch(
        &mock,
        "alice@contoso.com",
        json!({"policy": "Strict", "pin": "97531864"}),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    mock.reset_pin_ok("alice").await;
    let pin = mock.get_json("/__admin/emails/latest").await["pin"].clone();
    assert_eq!(pin.as_str().unwrap().len(), 8);
    assert!(mock.get_json("/__admin/emails/latest").await["text_body"]
        .as_str()
        .unwrap()
        .contains("Contoso policy"));
}

#[tokio::test]
async fn disabling_um_makes_reset_fault_and_a_password_is_then_required() {
    let mock = Mock::start().await;
    patch(&mock, "alice@contoso.com", json!({"um_enabled": false})).await;

    let reply = mock.reset_pin("alice").await;

    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), not_um_enabled_xml(HTTP_NS));

    patch(
        &mock,
        "alice@contoso.com",
        json!({"um_enabled": true, "password": "s3cret"}),
    )
    .await;
    let wrong = mock.reset_pin("alice").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.header("X-Exum-Reason"),
        "wrong password for 'alice@contoso.com'"
    );
    let right = mock
        .send(
            mock.client
                .post(mock.url(PATH_2010))
                .header("Authorization", basic("alice", "s3cret"))
                .body(reset_pin_envelope()),
        )
        .await;
    assert_eq!(right.status, 200);
    assert_eq!(
        mock.mailbox("alice@contoso.com").await.get("password"),
        None,
        "the password is never shown"
    );
}

#[tokio::test]
async fn an_invalid_change_is_refused_whole_and_nothing_changes() {
    let mock = Mock::start().await;
    let cases = [
        (json!({"pin": "123"}), "pin: PIN '123' has 3 digits"),
        (
            json!({"pin": "12ab56"}),
            "pin: PIN '12ab56' must be digits only",
        ),
        (json!({"pin": "240019"}), "contains the extension"),
        (json!({"pin": "111111"}), "is one repeated digit"),
        (json!({"policy": "Nope"}), "policy: unknown policy 'Nope'"),
        (
            json!({"policy": "Strict"}),
            "PIN '135790' has 6 digits; policy 'Strict' needs 8",
        ),
        (
            json!({"dial_plan": "Fabrikam"}),
            "unknown dial plan 'Fabrikam'",
        ),
        (
            json!({"extension": null}),
            "a UM-enabled mailbox needs an extension",
        ),
        (
            json!({"extension": "12x"}),
            "extension '12x' must be 1 to 20 digits",
        ),
        (
            json!({"logons": ["CONTOSO\\bob"]}),
            "'CONTOSO\\bob' is already used by",
        ),
        (
            json!({"logons": ["carol@contoso.com"]}),
            "is already used by",
        ),
        (
            json!({"properties": {"telephone_access_folder_email": "not base64!"}}),
            "is not base64",
        ),
        (
            json!({"display_name": "Fine", "pin": "975318", "policy": "Nope"}),
            "unknown policy 'Nope'",
        ),
    ];
    let before = mock.get_json("/__admin/mailboxes").await;

    for (body, needle) in cases {
        let reply = patch(&mock, "alice@contoso.com", body.clone()).await;

        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        let answer = reply.json();
        let error = answer["error"].as_str().unwrap();
        assert!(
            error.starts_with("the mailbox was not changed: "),
            "{error}"
        );
        assert!(error.contains(needle), "{body}: {error:?} lacks {needle:?}");
        assert!(!answer["problems"].as_array().unwrap().is_empty());
        assert_eq!(mock.get_json("/__admin/mailboxes").await, before, "{body}");
    }
}

#[tokio::test]
async fn a_malformed_patch_or_an_unknown_mailbox_is_refused() {
    let mock = Mock::start().await;
    let before = mock.mailbox("alice@contoso.com").await;

    let unknown_field = patch(&mock, "alice@contoso.com", json!({"pinn": "975318"})).await;
    let wrong_type = patch(&mock, "alice@contoso.com", json!({"um_enabled": "yes"})).await;
    let not_json = mock
        .send(
            mock.client
                .patch(mock.url("/__admin/mailboxes/alice@contoso.com"))
                .body("{"),
        )
        .await;
    let nobody = patch(&mock, "zed@contoso.com", json!({"display_name": "Zed"})).await;

    assert_eq!(unknown_field.status, 400);
    assert!(unknown_field.json()["error"]
        .as_str()
        .unwrap()
        .contains("unknown field `pinn`"));
    assert_eq!(wrong_type.status, 400);
    assert!(wrong_type.json()["error"]
        .as_str()
        .unwrap()
        .contains("at um_enabled"));
    assert_eq!(not_json.status, 400);
    assert_eq!(nobody.status, 404);
    assert_eq!(
        nobody.json(),
        json!({"error": "no mailbox 'zed@contoso.com'"})
    );
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
}

#[tokio::test]
async fn an_address_with_a_plus_is_found_by_its_path_as_written() {
    let mock = Mock::with_mock_json(
        r#"{"mailboxes": [{"smtp_address": "john+um@example.com", "extension": "100"}]}"#,
    )
    .await;

    let plain = mock
        .admin("GET", "/__admin/mailboxes/john+um@example.com", None)
        .await;
    let encoded = mock
        .admin("GET", "/__admin/mailboxes/john%2Bum%40example.com", None)
        .await;
    let patched = patch(
        &mock,
        "john+um@example.com",
        json!({"display_name": "John"}),
    )
    .await;

    assert_eq!(
        plain.status,
        200,
        "'+' is literal in a path: {}",
        plain.text()
    );
    assert_eq!(plain.json()["smtp_address"], "john+um@example.com");
    assert_eq!(encoded.status, 200);
    assert_eq!(patched.status, 200, "{}", patched.text());
    mock.reset_pin_ok("john+um@example.com").await;
    let emails = mock.emails("to=john%2Bum@example.com").await;
    assert_eq!(emails["total"], 1);
}

#[tokio::test]
async fn a_policy_with_a_shorter_history_trims_the_pin_history_at_once() {
    let mock = Mock::start().await;
    for _ in 0..8 {
        mock.reset_pin_ok("carol").await;
    }
    let carol = mock.mailbox("carol@contoso.com").await;
    assert_eq!(carol["pin_history"].as_array().unwrap().len(), 9);

    let reply = patch(&mock, "carol@contoso.com", json!({"policy": "Default"})).await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    let history = reply.json()["pin_history"].clone();
    let kept: Vec<_> = carol["pin_history"].as_array().unwrap()[4..].to_vec();
    assert_eq!(
        history,
        serde_json::Value::Array(kept),
        "Default keeps 5 PINs"
    );
    assert_eq!(
        mock.mailbox("carol@contoso.com").await["pin_history"],
        history
    );
}

#[tokio::test]
async fn a_line_break_in_a_display_name_or_logon_is_refused_with_its_path() {
    let mock = Mock::start().await;
    let before = mock.mailbox("alice@contoso.com").await;

    for (body, key) in [
        (
            json!({"display_name": "Alice\r\nBcc: eve@evil.example"}),
            "display_name",
        ),
        (
            json!({"logons": ["alice", "CONTOSO\\alice\nX: y"]}),
            "logons[1]",
        ),
    ] {
        let reply = patch(&mock, "alice@contoso.com", body).await;

        assert_eq!(reply.status, 400, "{}", reply.text());
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(
            error.contains(&format!("{key}: must be one line")),
            "{error}"
        );
    }
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
}
