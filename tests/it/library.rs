//! The Rust API, checked against what the same server shows over HTTP.

use exchange_um_mock::{MailboxPatch, NetworkFault, Outcome, Scenario, Then, UmMockServer};

use crate::support::*;

#[tokio::test]
async fn the_handle_shows_what_the_admin_api_shows() {
    let mock = Mock::start().await;
    let reply = mock.reset_pin_ok("alice").await;

    let emails = mock.server.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(
        serde_json::to_value(&emails[0]).unwrap(),
        mock.get_json("/__admin/emails/1").await
    );
    assert_eq!(mock.server.emails_to("ALICE@contoso.com"), emails);
    assert!(mock.server.emails_to("carol@contoso.com").is_empty());
    let requests = mock.server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].id, reply.request_id());
    assert_eq!(requests[0].status, Some(200));
    assert_eq!(
        serde_json::to_value(mock.server.mailbox("alice@contoso.com").unwrap()).unwrap(),
        mock.mailbox("alice@contoso.com").await
    );
    assert_eq!(mock.server.mailboxes().len(), 5);
    assert_eq!(
        serde_json::to_value(mock.server.scenarios()).unwrap(),
        mock.get_json("/__admin/scenarios").await["scenarios"]
    );
    assert_eq!(
        mock.server.service_url(),
        format!("{}{PATH_2010}", mock.server.uri())
    );
}

#[tokio::test]
async fn scenarios_and_mailbox_changes_made_in_rust_are_seen_over_http() {
    let mock = Mock::start().await;
    let stored = mock
        .server
        .add_scenario(
            Scenario::new("carol@contoso.com", "ResetPIN")
                .outcome(Outcome::fixture("ResetPIN/server-busy").with_status(503))
                .outcome(Outcome::http(502).with_body("Bad Gateway"))
                .then(Then::Default),
        )
        .unwrap();
    let refused = mock.server.add_scenario(
        Scenario::new("carol@contoso.com", "ResetPIN").outcome(Outcome::fixture("ResetPIN/nope")),
    );
    let mut patch = MailboxPatch::default();
    patch.display_name = Some("Carol D.".into());
    mock.server
        .update_mailbox("carol@contoso.com", patch)
        .unwrap();
    let mut bad = MailboxPatch::default();
    bad.policy = Some("Nope".into());

    assert_eq!(stored.id, 2);
    assert_eq!(
        refused.unwrap_err(),
        ["outcomes[0].fixture: no file responses/ResetPIN/nope.xml"]
    );
    assert!(mock
        .server
        .update_mailbox("carol@contoso.com", bad)
        .is_err());
    assert!(mock
        .server
        .update_mailbox("zed@contoso.com", MailboxPatch::default())
        .is_err());
    assert_eq!(mock.reset_pin("carol").await.status, 503);
    assert_eq!(mock.reset_pin("carol").await.text(), "Bad Gateway");
    mock.reset_pin_ok("carol").await;
    assert_eq!(
        mock.mailbox("carol@contoso.com").await["display_name"],
        "Carol D."
    );

    mock.server.reset();
    assert_eq!(
        mock.mailbox("carol@contoso.com").await["display_name"],
        "Carol Diaz"
    );
    assert_eq!(mock.server.scenarios().len(), 1);
}

#[tokio::test]
async fn an_outcome_built_in_rust_has_the_json_form_of_the_admin_api() {
    let mock = Mock::start().await;
    let outcome = Outcome::network(NetworkFault::Close).with_delay_ms(5);

    mock.server
        .add_scenario(Scenario::new("*", "*").outcome(outcome))
        .unwrap();

    let listed = mock.get_json("/__admin/scenarios").await;
    assert_eq!(
        listed["scenarios"][0]["outcomes"],
        serde_json::json!([{"network": "close", "delay_ms": 5}])
    );
}

#[tokio::test]
async fn a_given_listener_is_served_and_shutdown_stops_accepting() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = UmMockServer::builder()
        .listener(listener)
        .start()
        .await
        .unwrap();
    assert_eq!(server.address(), address);
    let mock = Mock {
        server,
        client: reqwest::Client::new(),
    };
    mock.reset_pin_ok("alice").await;

    mock.server.shutdown().await;

    let refused = tokio::net::TcpStream::connect(address).await;
    assert_eq!(
        refused.unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused
    );
}
