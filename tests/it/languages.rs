//! The PIN email in the mailbox's language: each built-in language through the JSON
//! and the raw MIME message read back by a mail parser, `mail.languages` overrides and their
//! fallbacks, and the problems of a language with no wording, in fixtures and on `PATCH`.

use exchange_um_mock::FixtureSet;
use mail_parser::MessageParser;
use serde_json::{json, Value};

use crate::support::*;

/// Each built-in language and the subject a user of it reads.
const SUBJECTS: [(&str, &str); 8] = [
    ("en-US", "Your Outlook Voice Access PIN has been reset"),
    ("pt-BR", "Seu PIN do Outlook Voice Access foi redefinido"),
    ("es-ES", "Se ha restablecido su PIN de Outlook Voice Access"),
    (
        "fr-FR",
        "Votre code PIN Outlook Voice Access a été réinitialisé",
    ),
    (
        "de-DE",
        "Ihre PIN für Outlook Voice Access wurde zurückgesetzt",
    ),
    (
        "it-IT",
        "Il PIN di Outlook Voice Access è stato reimpostato",
    ),
    (
        "nl-NL",
        "Uw pincode voor Outlook Voice Access is opnieuw ingesteld",
    ),
    ("ja-JP", "Outlook Voice Access の PIN がリセットされました"),
];

async fn patch(mock: &Mock, address: &str, body: Value) -> Reply {
    let path = format!("/__admin/mailboxes/{address}");
    mock.admin("PATCH", &path, Some(body)).await
}

/// Resets alice's PIN and returns the email and its raw message.
async fn reset_alice(mock: &Mock) -> (Value, String) {
    mock.reset_pin_ok("alice").await;
    let email = mock.get_json("/__admin/emails/latest").await;
    let raw = mock
        .admin("GET", &format!("/__admin/emails/{}/raw", email["id"]), None)
        .await;
    assert_eq!(raw.status, 200);
    (email, raw.text().to_string())
}

fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[tokio::test]
async fn every_built_in_language_reads_the_same_in_the_json_and_in_the_mime_message() {
    let mock = Mock::start().await;
    for (language, subject) in SUBJECTS {
        let patched = patch(&mock, "alice@contoso.com", json!({"language": language})).await;
        assert_eq!(patched.status, 200, "{}", patched.text());

        let (email, raw) = reset_alice(&mock).await;

        assert_eq!(email["language"], language);
        assert_eq!(email["subject"], subject);
        let text = email["text_body"].as_str().unwrap();
        let pin = email["pin"].as_str().unwrap();
        for needle in [
            pin,
            "4001",
            "+1 425 555 0100, +1 425 555 0199",
            "Alice Wood",
        ] {
            assert!(text.contains(needle), "{language}: no {needle} in {text}");
        }
        assert_eq!(email["extension"], "4001");
        assert_eq!(
            email["access_numbers"],
            json!(["+1 425 555 0100", "+1 425 555 0199"])
        );
        assert!(
            raw.is_ascii(),
            "{language}: the message survives 7-bit transport"
        );
        assert!(
            raw.split("\r\n")
                .all(|line| !line.contains('\n') && line.len() <= 998),
            "{language}: CRLF lines"
        );

        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(message.subject(), Some(subject), "{language}");
        assert_eq!(lf(&message.body_text(0).unwrap()), text, "{language}");
        assert_eq!(
            lf(&message.body_html(0).unwrap()),
            email["html_body"].as_str().unwrap(),
            "{language}"
        );
        let header = |name: &str| {
            message
                .header_raw(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(header("Content-Language"), language);
        assert_eq!(header("X-Exum-Email-Id"), email["id"].to_string());
        let from = message.from().and_then(|f| f.first()).unwrap();
        assert_eq!(
            format!("{} <{}>", from.name().unwrap(), from.address().unwrap()),
            email["from"]
        );
    }
}

#[tokio::test]
async fn the_same_email_is_the_same_bytes_every_time_it_is_read() {
    let mock = Mock::start().await;
    patch(&mock, "alice@contoso.com", json!({"language": "ja-JP"})).await;
    let (email, first) = reset_alice(&mock).await;

    let again = mock
        .admin("GET", &format!("/__admin/emails/{}/raw", email["id"]), None)
        .await;

    assert_eq!(again.text(), first);
}

#[tokio::test]
async fn a_mailbox_takes_its_dial_plans_language_unless_it_sets_its_own() {
    let mock = Mock::with_mock_json(
        r#"{
          "dial_plans": [{"name": "Lisboa", "access_numbers": ["+351 21 000 0000"], "default_language": "pt-BR"}],
          "mailboxes": [
            {"smtp_address": "ana@contoso.com", "extension": "100", "dial_plan": "Lisboa"},
            {"smtp_address": "ben@contoso.com", "extension": "200", "dial_plan": "Lisboa", "language": "de-DE"},
            {"smtp_address": "cy@contoso.com", "extension": "300"}
          ]
        }"#,
    )
    .await;

    for (address, language) in [
        ("ana@contoso.com", "pt-BR"),
        ("ben@contoso.com", "de-DE"),
        ("cy@contoso.com", "en-US"),
    ] {
        assert_eq!(
            mock.mailbox(address).await["language"],
            language,
            "{address}"
        );
    }

    let cleared = patch(&mock, "ben@contoso.com", json!({"language": null})).await;
    assert_eq!(
        cleared.json()["language"],
        "pt-BR",
        "back to the dial plan's"
    );
    let moved = patch(&mock, "ana@contoso.com", json!({"dial_plan": null})).await;
    assert_eq!(
        moved.json()["language"],
        "en-US",
        "no dial plan: the default"
    );
}

#[tokio::test]
async fn a_patch_to_a_language_without_wording_is_a_400_naming_it_and_changes_nothing() {
    let mock = Mock::start().await;

    let reply = patch(&mock, "alice@contoso.com", json!({"language": "sv-SE"})).await;

    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(reply.text().contains("language"), "{}", reply.text());
    assert!(reply.text().contains("'sv-SE'"), "{}", reply.text());
    assert_eq!(mock.mailbox("alice@contoso.com").await["language"], "en-US");
}

#[tokio::test]
async fn mail_languages_override_per_language_and_keys_under_mail_apply_to_the_rest() {
    let mock = Mock::with_mock_json(
        r#"{
          "mail": {
            "from": "Helpdesk <helpdesk@{domain}>",
            "text": "PIN {pin}",
            "languages": {
              "pt-BR": {"subject": "Novo PIN para {display_name}", "from": "Suporte <suporte@{domain}>"},
              "sv-SE": {"subject": "Din nya PIN-kod", "text": "Hej {display_name}! PIN-kod: {pin}"}
            }
          },
          "mailboxes": [
            {"smtp_address": "ana@contoso.com", "display_name": "Ana", "extension": "100", "language": "pt-BR"},
            {"smtp_address": "sven@contoso.com", "display_name": "Sven", "extension": "200", "language": "sv-SE"},
            {"smtp_address": "dora@contoso.com", "display_name": "Dora", "extension": "300", "language": "de-DE"}
          ]
        }"#,
    )
    .await;

    let mut emails = Vec::new();
    for user in ["ana@contoso.com", "sven@contoso.com", "dora@contoso.com"] {
        mock.reset_pin_ok(user).await;
        emails.push(mock.get_json("/__admin/emails/latest").await);
    }

    let [ana, sven, dora] = &emails[..] else {
        unreachable!()
    };
    assert_eq!(ana["subject"], "Novo PIN para Ana");
    assert_eq!(ana["from"], "Suporte <suporte@contoso.com>");
    assert_eq!(
        ana["text_body"],
        format!("PIN {}", ana["pin"].as_str().unwrap())
    );
    assert_eq!(sven["language"], "sv-SE");
    assert_eq!(sven["subject"], "Din nya PIN-kod");
    assert_eq!(
        sven["from"], "Helpdesk <helpdesk@contoso.com>",
        "from falls back to mail.from"
    );
    assert_eq!(
        dora["subject"],
        "Ihre PIN für Outlook Voice Access wurde zurückgesetzt"
    );
    assert_eq!(dora["from"], "Helpdesk <helpdesk@contoso.com>");
    assert_eq!(
        dora["text_body"],
        format!("PIN {}", dora["pin"].as_str().unwrap())
    );
}

#[test]
fn a_language_without_wording_is_a_fixture_problem_at_its_path() {
    let set = FixtureSet::from_mock_json(
        r#"{
          "mail": {"languages": {"sv-SE": {"subject": "Din PIN"}, "pt BR": {"subject": "x", "text": "{pin}"}}},
          "dial_plans": [{"name": "Oslo", "default_language": "nb-NO"}],
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "language": "fi-FI"}]
        }"#,
    );

    let problems: Vec<String> = set
        .validate()
        .unwrap_err()
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();

    for expected in [
        "mock.json: mail.languages.sv-SE.text: required: the double has no wording of its own for 'sv-SE'",
        "mock.json: mail.languages.pt BR: 'pt BR' is not a culture name",
        "mock.json: dial_plans[0].default_language: no wording for language 'nb-NO'",
        "mock.json: mailboxes[0].language: no wording for language 'fi-FI'",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "missing {expected:?} in {problems:#?}"
        );
    }
}

#[test]
fn a_language_from_mail_languages_is_one_a_mailbox_may_have() {
    let set = FixtureSet::from_mock_json(
        r#"{
          "mail": {"languages": {"sv-SE": {"subject": "Din PIN", "text": "PIN: {pin}"}}},
          "dial_plans": [{"name": "Stockholm", "default_language": "sv-SE"}],
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "dial_plan": "Stockholm"}]
        }"#,
    );

    assert!(set.validate().is_ok(), "{:?}", set.validate());
}
