//! `POST /__admin/sessions`: the entry it answers with, inline fixtures and their problems,
//! the seed, and the bodies it refuses.

use exchange_um_mock::UmMockServer;
use serde_json::{json, Value};

use super::{create, created, Double};
use crate::support::*;

/// A `mock.json` object with one mailbox, `x@example.com` (PIN 135790), and these scenarios.
fn one_mailbox(scenarios: Value) -> Value {
    json!({
        "mailboxes": [{"smtp_address": "x@example.com", "extension": "100", "pin": "135790"}],
        "scenarios": scenarios,
    })
}

#[tokio::test]
async fn a_new_session_is_201_with_a_fresh_long_id_and_urls_from_the_requests_host() {
    // Arrange
    let mock = Mock::start().await;

    // Act
    let first = create(&mock, None).await;
    let second = created(&mock, Some(json!({}))).await;
    let behind_a_name = mock
        .send(
            mock.client
                .post(mock.url("/__admin/sessions"))
                .header("Host", "mock.test:8080"),
        )
        .await;

    // Assert
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    let id = first["id"].as_str().unwrap();
    assert!(id.len() >= 24, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    assert_ne!(first["id"], second["id"]);
    assert!(first["name"].is_null(), "{first}");
    let base = format!("{}/sessions/{id}", mock.server.uri());
    assert_eq!(first["base_url"], base);
    assert_eq!(first["service_url"], format!("{base}{PATH_2010}"));
    assert_eq!(first["admin_url"], format!("{base}/__admin"));
    for time in ["created_at", "last_used_at"] {
        assert!(first[time].as_str().unwrap().ends_with('Z'), "{first}");
    }
    assert_eq!(behind_a_name.status, 201);
    let named = behind_a_name.json();
    assert_eq!(
        named["base_url"],
        format!(
            "http://mock.test:8080/sessions/{}",
            named["id"].as_str().unwrap()
        )
    );
    let ids = [&first["id"], &second["id"], &named["id"]];
    assert!(ids[0] != ids[2] && ids[1] != ids[2], "{ids:?}");
}

#[tokio::test]
async fn a_session_created_over_https_has_https_urls() {
    let server = UmMockServer::builder().https().start().await.unwrap();
    let ca = reqwest::Certificate::from_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let https = server.https_uri().unwrap();

    let entry: Value = client
        .post(format!("{https}/__admin/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let id = entry["id"].as_str().unwrap();
    assert_eq!(
        entry["service_url"],
        format!("{https}/sessions/{id}{PATH_2010}")
    );
    let wsdl = client
        .get(format!("{}?wsdl", entry["service_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        wsdl.contains(&format!(r#"location="{https}/sessions/{id}{PATH_2010}""#)),
        "{wsdl}"
    );
}

#[tokio::test]
async fn inline_fixtures_give_the_session_those_mailboxes_only() {
    // Arrange
    let mock = Mock::start().await;
    let entry = created(&mock, Some(json!({"fixtures": one_mailbox(json!([]))}))).await;
    let session = Double::of(&mock, &entry);

    // Act
    let mailboxes = session.get_json("/__admin/mailboxes").await;
    let alice = session
        .admin("GET", "/__admin/mailboxes/alice@contoso.com", None)
        .await;
    let reset = session.reset_pin("x@example.com").await;

    // Assert
    assert_eq!(
        field(&mailboxes["mailboxes"], "smtp_address"),
        [&json!("x@example.com")]
    );
    assert_eq!(alice.status, 404);
    assert_eq!(reset.status, 200, "{}", reset.text());
    assert_eq!(session.total("/__admin/emails").await, 1);
    assert_eq!(session.scenarios().await, 0);
    mock.mailbox("alice@contoso.com").await;
    assert_eq!(
        mock.admin("GET", "/__admin/mailboxes/x@example.com", None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_server_settings_of_inline_fixtures_apply_under_that_sessions_prefix_only() {
    let mock = Mock::start().await;
    let mut fixtures = one_mailbox(json!([]));
    fixtures["server"] = json!({"fqdn": "um99.example.com", "require_ssl": true});
    let strict = Double::of(
        &mock,
        &created(&mock, Some(json!({ "fixtures": fixtures }))).await,
    );
    let other = Double::create(&mock).await;

    let refused = strict.reset_pin("x@example.com").await;
    let served = other.reset_pin("alice").await;

    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(refused.header("X-Exum-Reason"), "SSL is required");
    assert_eq!(served.status, 200, "{}", served.text());
    mock.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn a_session_on_inline_fixtures_resets_to_them_not_to_the_servers() {
    let mock = Mock::start().await;
    let entry = created(&mock, Some(json!({"fixtures": one_mailbox(json!([]))}))).await;
    let session = Double::of(&mock, &entry);
    let loaded = session.mailbox_untimed("x@example.com").await;
    session
        .admin(
            "PATCH",
            "/__admin/mailboxes/x@example.com",
            Some(json!({"display_name": "Changed"})),
        )
        .await;

    let reset = session.admin("POST", "/__admin/reset", None).await;

    assert_eq!(reset.status, 204);
    assert_eq!(session.mailbox_untimed("x@example.com").await, loaded);
    let mailboxes = session.get_json("/__admin/mailboxes").await;
    assert_eq!(
        field(&mailboxes["mailboxes"], "smtp_address"),
        [&json!("x@example.com")]
    );
}

#[tokio::test]
async fn inline_fixtures_with_problems_are_400_naming_each_with_its_path_and_no_session_starts() {
    let mock = Mock::start().await;
    let fixtures = json!({
        "mailboxes": [
            {"smtp_address": "x@example.com", "extension": "100", "policy": "Strickt"},
            {"smtp_address": "y@example.com", "extension": "101", "dial_plan": "Nowhere"},
        ],
    });

    let reply = create(&mock, Some(json!({ "fixtures": fixtures }))).await;

    assert_eq!(reply.status, 400, "{}", reply.text());
    let answer = reply.json();
    let problems: Vec<&str> = answer["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {answer}"))
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("mailboxes[0].policy") && problems[0].contains("Strickt"));
    assert!(problems[1].contains("mailboxes[1].dial_plan") && problems[1].contains("Nowhere"));
    assert!(reply.error().contains("Strickt"), "{}", reply.error());
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 0);
}

#[tokio::test]
async fn a_fixture_outcome_in_inline_fixtures_answers_with_the_servers_response_file() {
    let mock = Mock::start().await;
    let busy = json!([{"mailbox": "x@example.com", "operation": "ResetPIN", "outcomes": [{"fixture": "ResetPIN/server-busy"}]}]);
    let missing = json!([{"mailbox": "x@example.com", "operation": "ResetPIN", "outcomes": [{"fixture": "ResetPIN/no-such-file"}]}]);

    let entry = created(&mock, Some(json!({"fixtures": one_mailbox(busy)}))).await;
    let reply = Double::of(&mock, &entry).reset_pin("x@example.com").await;
    let refused = create(&mock, Some(json!({"fixtures": one_mailbox(missing)}))).await;

    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.body,
        fixture_bytes("responses/ResetPIN/server-busy.xml")
    );
    assert_eq!(refused.status, 400, "{}", refused.text());
    let problems = refused.json()["problems"].to_string();
    assert!(problems.contains("scenarios[0]"), "{problems}");
    assert!(problems.contains("ResetPIN/no-such-file"), "{problems}");
}

#[tokio::test]
async fn a_fixture_outcome_in_inline_fixtures_names_a_file_of_the_servers_folder_as_last_loaded() {
    // Arrange: a server on a folder; a response file added on disk and reloaded at the root,
    // and one that changed on disk.
    let dir = TempDir::with_default_fixtures("session-inline-file");
    let mock = Mock::with(UmMockServer::builder().fixtures_dir(&dir.0)).await;
    let added = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>added later</faultstring></s:Fault></s:Body></s:Envelope>"#
    );
    dir.write("responses/ResetPIN/added.xml", &added);
    let changed = added.replace("added later", "busy, changed on disk");
    dir.write("responses/ResetPIN/server-busy.xml", &changed);
    let reload = mock.admin("POST", "/__admin/reload", None).await;
    assert_eq!(reload.status, 204, "{}", reload.text());
    let scenario = |file: &str| json!([{"mailbox": "x@example.com", "operation": "ResetPIN", "outcomes": [{"fixture": file}]}]);

    // Act
    let with_added = create(
        &mock,
        Some(json!({"fixtures": one_mailbox(scenario("ResetPIN/added"))})),
    )
    .await;
    let with_changed = created(
        &mock,
        Some(json!({"fixtures": one_mailbox(scenario("ResetPIN/server-busy"))})),
    )
    .await;

    // Assert
    assert_eq!(with_added.status, 201, "{}", with_added.text());
    let reply = Double::of(&mock, &with_added.json())
        .reset_pin("x@example.com")
        .await;
    assert_eq!(reply.text(), added);
    let reply = Double::of(&mock, &with_changed)
        .reset_pin("x@example.com")
        .await;
    assert_eq!(reply.text(), changed);
    assert_eq!(
        mock.reset_pin("dave").await.text(),
        changed,
        "as the root answers"
    );
}

#[tokio::test]
async fn an_unknown_key_a_name_over_256_characters_or_fixtures_not_an_object_are_400() {
    let mock = Mock::start().await;
    let longest = "n".repeat(256);

    let cases = [
        (json!({"nmae": "typo"}), "nmae"),
        (json!({"name": format!("{longest}n")}), "256"),
        (json!({"fixtures": []}), "fixtures"),
        (json!({"seed": -1}), "seed"),
    ];
    for (body, says) in cases {
        let reply = create(&mock, Some(body.clone())).await;

        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        assert!(reply.error().contains(says), "{body}: {}", reply.error());
    }
    let not_json = mock
        .send(
            mock.client
                .post(mock.url("/__admin/sessions"))
                .header("Content-Type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    assert_eq!(not_json.status, 400, "{}", not_json.text());
    assert_eq!(mock.get_json("/__admin/sessions").await["total"], 0);
    let named = created(&mock, Some(json!({ "name": longest }))).await;
    assert_eq!(named["name"], longest);
}

/// The PIN alice's first ResetPIN gives in a new session of `mock` created with `body`, and
/// the seed the session's `info` shows.
async fn first_pin_in_session(mock: &Mock, body: Value) -> (String, Value) {
    let session = Double::of(mock, &created(mock, Some(body)).await);
    let pin = session.reset_pin_ok("alice").await;
    (pin, session.get_json("/__admin/info").await["seed"].clone())
}

#[tokio::test]
async fn a_session_with_seed_n_gives_the_pins_of_a_server_started_with_seed_n() {
    // Arrange: a server started with seed 7, and another with seed 99.
    let seven = Mock::with(UmMockServer::builder().seed(7)).await;
    let other = Mock::with(UmMockServer::builder().seed(99)).await;
    let seven_pin = Double::root(&seven).reset_pin_ok("alice").await;
    let other_pin = Double::root(&other).reset_pin_ok("alice").await;

    // Act
    let (seeded, seed) = first_pin_in_session(&other, json!({"seed": 7})).await;

    // Assert
    assert_ne!(seven_pin, other_pin, "the two seeds give different PINs");
    assert_eq!(seeded, seven_pin);
    assert_eq!(seed, 7);
}

#[tokio::test]
async fn a_session_without_a_seed_follows_the_servers_seed() {
    let seven = Mock::with(UmMockServer::builder().seed(7)).await;
    let other = Mock::with(UmMockServer::builder().seed(99)).await;

    let (in_seven, seed) = first_pin_in_session(&seven, json!({})).await;
    let (in_other, _) = first_pin_in_session(&other, json!({"name": "no seed"})).await;

    assert_eq!(in_seven, Double::root(&seven).reset_pin_ok("alice").await);
    assert_eq!(in_other, Double::root(&other).reset_pin_ok("alice").await);
    assert_ne!(in_seven, in_other);
    assert_eq!(seed, 7);
}
