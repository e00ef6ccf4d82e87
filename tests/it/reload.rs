//! `POST /__admin/reload`: re-reading a fixtures folder from disk, all or nothing.

use exchange_um_mock::UmMockServer;
use serde_json::json;

use crate::support::*;

async fn serving(dir: &TempDir) -> Mock {
    Mock::with(UmMockServer::builder().fixtures_dir(&dir.0)).await
}

#[tokio::test]
async fn a_valid_change_on_disk_is_picked_up() {
    let dir = TempDir::with_default_fixtures("reload-ok");
    let mock = serving(&dir).await;
    mock.reset_pin_ok("alice").await;
    dir.write(
        "mock.json",
        default_mock_json()
            .replace("\"Alice Wood\"", "\"Alice Reloaded\"")
            .replace(
                "\"mailboxes\": [",
                r#""mailboxes": [
    { "smtp_address": "frank@contoso.com", "logons": ["CONTOSO\\frank"], "extension": "4006", "dial_plan": "Contoso" },"#,
            )
            .replace(
                r#""scenarios": ["#,
                r#""scenarios": [
    { "mailbox": "frank@contoso.com", "operation": "ResetPIN", "outcomes": [ { "fixture": "ResetPIN/custom" } ] },"#,
            ),
    );
    let custom = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>custom</faultstring></s:Fault></s:Body></s:Envelope>"#
    );
    dir.write("responses/ResetPIN/custom.xml", &custom);

    let reply = mock.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["display_name"],
        "Alice Reloaded"
    );
    let frank = mock.mailbox("frank@contoso.com").await;
    assert_eq!(frank["policy"], "Default");
    let scenarios = mock.get_json("/__admin/scenarios").await;
    assert_eq!(scenarios["scenarios"].as_array().unwrap().len(), 2);
    let first = mock.reset_pin("CONTOSO\\frank").await;
    assert_eq!(first.status, 500);
    assert_eq!(first.text(), custom);
    mock.reset_pin_ok("frank@contoso.com").await;
    assert_eq!(mock.emails("to=frank@contoso.com").await["total"], 1);
}

#[tokio::test]
async fn a_broken_folder_is_refused_with_every_problem_and_the_old_state_is_kept() {
    let dir = TempDir::with_default_fixtures("reload-broken");
    let mock = serving(&dir).await;
    mock.reset_pin_ok("alice").await;
    mock.admin(
        "PATCH",
        "/__admin/mailboxes/carol@contoso.com",
        Some(json!({"display_name": "Carol (patched)"})),
    )
    .await;
    let mailboxes = mock.get_json("/__admin/mailboxes").await;
    let scenarios = mock.get_json("/__admin/scenarios").await;
    let emails = mock.emails("").await;
    dir.write(
        "mock.json",
        default_mock_json().replace("\"policy\": \"Strict\"", "\"policy\": \"Strickt\""),
    );
    dir.write("responses/ResetPIN/broken.xml", "<s:Envelope");

    let reply = mock.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 400);
    let answer = reply.json();
    let problems: Vec<&str> = answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems.contains(&"mock.json: mailboxes[2].policy: unknown policy 'Strickt'"));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("responses/ResetPIN/broken.xml: ")));
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.starts_with("the fixtures were not reloaded: "),
        "{error}"
    );
    assert!(error.contains("unknown policy 'Strickt'"));

    assert_eq!(mock.get_json("/__admin/mailboxes").await, mailboxes);
    assert_eq!(mock.get_json("/__admin/scenarios").await, scenarios);
    assert_eq!(mock.emails("").await, emails);
    mock.reset_pin_ok("carol").await;

    std::fs::remove_dir_all(&dir.0).unwrap();
    let gone = mock.admin("POST", "/__admin/reload", None).await;
    assert_eq!(gone.status, 400, "a folder that went away is a problem too");
    assert!(gone.json()["error"]
        .as_str()
        .unwrap()
        .contains("cannot read fixtures"));
    assert_eq!(mock.get_json("/__admin/scenarios").await, scenarios);
}

#[tokio::test]
async fn reloading_embedded_fixtures_is_a_conflict() {
    let mock = Mock::start().await;

    let reply = mock.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 409);
    assert!(reply.json()["error"]
        .as_str()
        .unwrap()
        .contains("--fixtures DIR"));
}

#[tokio::test]
async fn a_set_built_in_memory_serves_its_own_mailboxes_and_responses() {
    let busy = fixture_bytes("responses/ResetPIN/server-busy.xml");
    let set = exchange_um_mock::FixtureSet::from_mock_json(
        r#"{
          "mail": {"subject": "PIN for {display_name}", "text": "Your PIN is {pin}."},
          "mailboxes": [{"smtp_address": "x@fabrikam.com", "display_name": "X", "extension": "77", "pin": "246801"}],
          "scenarios": [{"mailbox": "*", "operation": "ResetPIN", "outcomes": [{"fixture": "ResetPIN/busy"}]}]
        }"#,
    )
    .with_file("responses/ResetPIN/busy.xml", busy.clone());
    let mock = Mock::with(UmMockServer::builder().fixtures(set)).await;

    let first = mock.reset_pin("x@fabrikam.com").await;
    mock.reset_pin_ok("x@fabrikam.com").await;

    assert_eq!(first.body, busy);
    let email = mock.get_json("/__admin/emails/latest").await;
    assert_eq!(email["subject"], "PIN for X");
    assert_eq!(
        email["from"],
        "Microsoft Exchange <MicrosoftExchange@fabrikam.com>"
    );
    assert_eq!(
        email["text_body"],
        format!("Your PIN is {}.", email["pin"].as_str().unwrap())
    );
    assert_eq!(
        mock.admin("POST", "/__admin/reload", None).await.status,
        409
    );
}

#[tokio::test]
async fn a_minimal_mock_json_is_enough_to_serve() {
    let mock = Mock::with_mock_json(
        r#"{"mailboxes": [{"smtp_address": "solo@example.com", "extension": "100"}]}"#,
    )
    .await;

    mock.reset_pin_ok("solo@example.com").await;

    let solo = mock.mailbox("solo@example.com").await;
    assert_eq!(
        solo["pin"].as_str().unwrap().len(),
        6,
        "Exchange's default policy"
    );
    assert_eq!(
        solo["pin_history"].as_array().unwrap().len(),
        2,
        "a generated first PIN, then the reset"
    );
    assert_eq!(
        mock.get_json("/__admin/emails/latest").await["access_numbers"],
        json!([])
    );
}

#[tokio::test]
async fn a_folder_that_cannot_be_read_any_more_is_a_400_that_reads_cleanly() {
    let dir = TempDir::with_default_fixtures("reload-gone");
    let mock = serving(&dir).await;
    std::fs::remove_dir_all(&dir.0).unwrap();

    let reply = mock.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 400);
    let answer = reply.json();
    let problem = answer["problems"][0].as_str().unwrap();
    assert!(
        problem.starts_with("cannot read fixtures at "),
        "{problem:?}"
    );
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.starts_with("the fixtures were not reloaded: cannot read fixtures at "),
        "{error:?}"
    );
    assert_eq!(mock.mailbox("alice@contoso.com").await["pin"], "135790");
}

#[tokio::test]
async fn a_reload_keeps_the_captured_emails_pending_emails_and_the_journal() {
    let dir = TempDir::with_default_fixtures("reload-keeps");
    let mock = serving(&dir).await;
    mock.reset_pin_ok("alice").await;
    let delayed = mock
        .add_scenario(json!({"mailbox": "carol@contoso.com", "operation": "ResetPIN", "outcomes": [{"mail_delay_ms": 300}]}))
        .await;
    assert!(delayed["id"].is_u64(), "{delayed}");
    mock.reset_pin_ok("carol").await;

    let reply = mock.admin("POST", "/__admin/reload", None).await;

    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(mock.emails("to=alice@contoso.com").await["total"], 1);
    let carol = mock.emails("to=carol@contoso.com&wait_ms=5000").await;
    assert_eq!(
        carol["total"], 1,
        "the delayed email survives the reload: {carol}"
    );
    let journal = mock.get_json("/__admin/requests").await;
    assert_eq!(journal["total"], 2, "{journal}");
}

#[tokio::test]
async fn a_reload_changes_the_schemes_offered_from_the_next_request_on() {
    // Arrange: the default fixtures offer Negotiate, NTLM and Basic.
    let dir = TempDir::with_default_fixtures("reload-auth");
    let mock = serving(&dir).await;
    let before = mock
        .send(mock.client.post(mock.url("/EWS/UM2007Legacy.asmx")))
        .await;
    assert_eq!(before.status, 401);
    assert_eq!(before.headers_named("www-authenticate").len(), 3);

    // Act: offer Basic only.
    dir.write(
        "mock.json",
        default_mock_json().replace(
            r#""server": { "fqdn": "um01.contoso.com" }"#,
            r#""server": { "fqdn": "um01.contoso.com", "auth": ["basic"] }"#,
        ),
    );
    let reply = mock.admin("POST", "/__admin/reload", None).await;

    // Assert
    assert_eq!(reply.status, 204, "{}", reply.text());
    let after = mock
        .send(mock.client.post(mock.url("/EWS/UM2007Legacy.asmx")))
        .await;
    assert_eq!(after.status, 401);
    assert_eq!(
        after.headers_named("www-authenticate"),
        ["Basic realm=\"exchange-um-mock\""]
    );
}
