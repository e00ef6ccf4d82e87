//! ResetPIN end to end: the response bytes, the mailbox state it changes, the PIN policy, the
//! seed, and a caller who is not UM-enabled.

use std::collections::HashSet;

use exchange_um_mock::UmMockServer;
use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn a_reset_answers_the_exact_empty_response_in_the_namespace_and_on_the_path_it_was_called() {
    let mock = Mock::start().await;
    for path in [PATH_2007, PATH_2010] {
        for ns in [HTTP_NS, HTTPS_NS] {
            let reply = mock.post_as("alice", path, envelope(ns, "ResetPIN")).await;

            assert_eq!(reply.status, 200, "{path} {ns}: {}", reply.text());
            assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
            assert_eq!(reply.text(), empty_response_xml(ns, "ResetPIN"));
        }
    }
    assert_eq!(mock.emails("").await["total"], 4);
}

#[tokio::test]
async fn endpoint_paths_match_case_insensitively_like_iis() {
    let mock = Mock::start().await;
    for path in [
        "/ews/um2007legacy.asmx",
        "/EWS/UM2007LEGACY.ASMX",
        "/unifiedmessaging/service.asmx",
        "/UNIFIEDMESSAGING/Service.ASMX",
    ] {
        let reply = mock.post_as("alice", path, reset_pin_envelope()).await;

        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        assert_eq!(reply.text(), empty_response_xml(HTTP_NS, "ResetPIN"));
    }
}

#[tokio::test]
async fn the_soap_action_header_may_be_quoted_bare_missing_or_even_wrong() {
    let mock = Mock::start().await;
    let actions = [
        Some(format!("\"{HTTP_NS}/ResetPIN\"")),
        Some(format!("{HTTP_NS}/ResetPIN")),
        Some(String::new()),
        Some(format!("\"{HTTP_NS}/IsUMEnabled\"")),
        None,
    ];
    for action in actions {
        let mut request = mock
            .client
            .post(mock.url(PATH_2010))
            .header("Authorization", basic("alice", "x"))
            .header("Content-Type", SOAP_CONTENT_TYPE)
            .body(reset_pin_envelope());
        if let Some(action) = &action {
            request = request.header("SOAPAction", action);
        }
        let reply = mock.send(request).await;

        assert_eq!(reply.status, 200, "SOAPAction {action:?}: {}", reply.text());
        assert_eq!(reply.text(), empty_response_xml(HTTP_NS, "ResetPIN"));
    }
    let journal = mock.journal("operation=ResetPIN").await;
    assert_eq!(
        journal["total"], 5,
        "dispatch is on the body, not the header"
    );
}

#[tokio::test]
async fn the_pin_email_carries_every_field_and_the_pin_now_in_the_mailbox() {
    let mock = Mock::start().await;
    let before = mock.mailbox("alice@contoso.com").await;

    let reply = mock.reset_pin_ok("CONTOSO\\alice").await;

    let listed = mock.emails("").await;
    assert_eq!(
        (listed["total"].clone(), listed["evicted"].clone()),
        (1.into(), 0.into())
    );
    let email = listed["emails"][0].clone();
    assert_eq!(email["id"], 1);
    assert_eq!(email["mailbox"], "alice@contoso.com");
    assert_eq!(email["to"], "alice@contoso.com");
    assert_eq!(
        email["from"],
        "Microsoft Exchange <MicrosoftExchange@contoso.com>"
    );
    assert_eq!(
        email["subject"],
        "Your Outlook Voice Access PIN has been reset"
    );
    assert_eq!(email["extension"], "4001");
    assert_eq!(
        email["access_numbers"],
        serde_json::json!(["+1 425 555 0100", "+1 425 555 0199"])
    );
    assert_eq!(email["operation"], "ResetPIN");
    assert_eq!(email["request_id"], reply.request_id());
    let sent_at = email["sent_at"].as_str().unwrap();
    assert!(
        sent_at.len() == 24 && sent_at.ends_with('Z') && &sent_at[10..11] == "T",
        "RFC 3339 UTC with milliseconds: {sent_at}"
    );
    let pin = email["pin"].as_str().unwrap();
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    let text = email["text_body"].as_str().unwrap();
    for needle in [
        pin,
        "4001",
        "+1 425 555 0100, +1 425 555 0199",
        "Alice Wood",
    ] {
        assert!(text.contains(needle), "text_body lacks {needle}: {text}");
    }
    assert!(email["html_body"].as_str().unwrap().contains(pin));

    let after = mock.mailbox("alice@contoso.com").await;
    assert_eq!(after["pin"], pin);
    assert_eq!(after["pin_history"], serde_json::json!(["135790", pin]));
    assert_eq!(after["pin_expired"], true);
    assert_eq!(before["pin_expired"], false);

    assert_eq!(mock.get_json("/__admin/emails/latest").await, email);
    assert_eq!(mock.get_json("/__admin/emails/1").await, email);
    assert_eq!(
        mock.server.emails()[0].pin,
        pin,
        "the library sees the same email"
    );
}

#[tokio::test]
async fn the_raw_email_is_a_mime_message_with_the_pin() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;
    let pin = mock.server.emails()[0].pin.clone();

    let raw = mock.admin("GET", "/__admin/emails/1/raw", None).await;

    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("Content-Type"), "message/rfc822");
    let text = raw.text();
    for header in [
        // lettre quotes a display name with a space (RFC 5322 quoted-string).
        "From: \"Microsoft Exchange\" <MicrosoftExchange@contoso.com>\r\n",
        "Content-Language: en-US\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "To: alice@contoso.com\r\n",
        "Subject: Your Outlook Voice Access PIN has been reset\r\n",
        "MIME-Version: 1.0\r\n",
        "X-Exum-Email-Id: 1\r\n",
        "Content-Type: multipart/alternative; boundary=",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
    ] {
        assert!(text.contains(header), "missing {header:?} in\n{text}");
    }
    assert!(text.contains(&format!("PIN: {pin}")), "{text}");
    let (head, _) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.lines().any(|l| l.starts_with("Date: ")), "{head}");
}

#[tokio::test]
async fn a_reset_unlocks_a_locked_out_mailbox_and_expires_its_new_pin() {
    let mock = Mock::start().await;
    let before = mock.mailbox("erin@contoso.com").await;
    assert_eq!(
        (&before["locked_out"], &before["failed_logons"]),
        (&true.into(), &15.into())
    );

    mock.post_as("erin", PATH_2007, envelope(HTTPS_NS, "ResetPIN"))
        .await;

    let after = mock.mailbox("erin@contoso.com").await;
    let email = mock.get_json("/__admin/emails/latest").await;
    assert_eq!(after["locked_out"], false);
    assert_eq!(after["failed_logons"], 0);
    assert_eq!(after["pin_expired"], true);
    assert_eq!(after["pin"], email["pin"]);
    assert_eq!(
        email["pin"].as_str().unwrap().len(),
        4,
        "Lax policy: 4 digits"
    );
    assert_eq!(
        after["pin_history"],
        serde_json::json!([email["pin"]]),
        "Lax keeps a history of 1"
    );
    assert_eq!(after["properties"], before["properties"]);
}

fn is_run(pin: &str) -> bool {
    let steps: Vec<i16> = pin
        .as_bytes()
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

#[tokio::test]
async fn many_resets_of_a_strict_mailbox_obey_every_policy_rule() {
    let mock = Mock::start().await;
    let mut history = vec!["20481632".to_string()];

    for _ in 0..60 {
        mock.reset_pin_ok("carol").await;
        let email = mock.get_json("/__admin/emails/latest").await;
        let pin = email["pin"].as_str().unwrap().to_string();

        assert_eq!(pin.len(), 8, "{pin}");
        assert!(pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
        assert!(!pin.contains("4003"), "{pin} contains the extension");
        assert!(!is_run(&pin), "{pin} is a common pattern");
        let recent = &history[history.len().saturating_sub(10)..];
        assert!(!recent.contains(&pin), "{pin} repeats one of {recent:?}");
        assert!(
            email["text_body"]
                .as_str()
                .unwrap()
                .contains("Contoso policy: never share your PIN."),
            "the policy's reset_pin_text is appended"
        );
        history.push(pin);
    }

    let carol = mock.mailbox("carol@contoso.com").await;
    let kept: Vec<Value> = history[history.len() - 10..]
        .iter()
        .map(|p| p.as_str().into())
        .collect();
    assert_eq!(carol["pin_history"], Value::Array(kept));
    assert_eq!(carol["pin"], history.last().unwrap().as_str());
}

async fn pins_with_seed(seed: u64) -> Vec<String> {
    let mock = Mock::with(UmMockServer::builder().seed(seed)).await;
    let mut pins = Vec::new();
    for _ in 0..5 {
        mock.reset_pin_ok("alice").await;
        pins.push(mock.server.emails().last().unwrap().pin.clone());
    }
    pins
}

#[tokio::test]
async fn the_same_seed_gives_the_same_pins_and_another_seed_does_not() {
    let first = pins_with_seed(42).await;
    let again = pins_with_seed(42).await;
    let other = pins_with_seed(43).await;

    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[tokio::test]
async fn a_caller_not_enabled_for_um_gets_the_fault_and_nothing_changes() {
    let mock = Mock::start().await;
    let before = mock.mailbox("bob@contoso.com").await;

    for ns in [HTTP_NS, HTTPS_NS] {
        let reply = mock
            .post_as("CONTOSO\\bob", PATH_2010, envelope(ns, "ResetPIN"))
            .await;

        assert_eq!(reply.status, 500);
        assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
        assert_eq!(reply.text(), not_um_enabled_xml(ns));
        assert_eq!(
            reply.header("X-Exum-Reason"),
            "mailbox 'bob@contoso.com' is not UM-enabled"
        );
    }
    assert_eq!(mock.emails("").await["total"], 0);
    assert_eq!(mock.mailbox("bob@contoso.com").await, before);
}

#[tokio::test]
async fn concurrent_resets_of_one_mailbox_give_one_email_each_and_a_consistent_history() {
    let mock = std::sync::Arc::new(Mock::start().await);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let mock = mock.clone();
            tokio::spawn(async move { mock.reset_pin("alice").await.status })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }

    let emails = mock.emails("").await;
    assert_eq!(emails["total"], 20);
    let pins: Vec<String> = field(&emails["emails"], "pin")
        .into_iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let mut history = vec!["135790".to_string()];
    for pin in &pins {
        let recent = &history[history.len().saturating_sub(5)..];
        assert!(!recent.contains(pin), "{pin} repeats one of {recent:?}");
        history.push(pin.clone());
    }
    let ids: HashSet<&Value> = field(&emails["emails"], "request_id").into_iter().collect();
    assert_eq!(ids.len(), 20, "each email points at its own request");
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["pin"],
        pins.last().unwrap().as_str()
    );
}

#[tokio::test]
async fn strict_mode_faults_on_a_missing_or_mismatched_soap_action_and_takes_a_matching_one() {
    let mock = Mock::with(UmMockServer::builder().strict_soap_action(true)).await;
    let send = |action: Option<String>| {
        let mut request = mock
            .client
            .post(mock.url(PATH_2010))
            .header("Authorization", basic("alice", "x"))
            .header("Content-Type", SOAP_CONTENT_TYPE)
            .body(reset_pin_envelope());
        if let Some(action) = action {
            request = request.header("SOAPAction", action);
        }
        mock.send(request)
    };

    let missing = send(None).await;
    let other = send(Some(format!("\"{HTTP_NS}/IsUMEnabled\""))).await;
    let quoted = send(Some(format!("\"{HTTP_NS}/ResetPIN\""))).await;
    let bare_https = send(Some(format!("{HTTPS_NS}/ResetPIN"))).await;

    assert_eq!(
        (missing.status, missing.text()),
        (500, invalid_request_xml().as_str())
    );
    assert!(missing
        .header("X-Exum-Reason")
        .starts_with("no SOAPAction header"));
    assert_eq!(
        (other.status, other.text()),
        (500, invalid_request_xml().as_str())
    );
    assert!(other
        .header("X-Exum-Reason")
        .contains("does not name the body's operation ResetPIN"));
    assert_eq!((quoted.status, bare_https.status), (200, 200));
    assert_eq!(
        mock.emails("to=alice@contoso.com").await["total"],
        2,
        "only the matching calls reset"
    );
}
