//! The library's `UmSession`: the handle's accessors act on the session alone, its URLs carry
//! the prefix, and dropping it ends the session and checks its expectations.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use exchange_um_mock::{ErrorKind, FixtureSet, Operation, Outcome, Scenario, UmMockServer};

use crate::support::*;

const ALICE: &str = "alice@contoso.com";
const CAROL: &str = "carol@contoso.com";
const WAIT: Duration = Duration::from_secs(5);

/// A ResetPIN as `user` to the endpoint at `url`; the status.
async fn reset_pin_at(url: &str, user: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("Authorization", basic(user, password_for(user)))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .body(reset_pin_envelope())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "current_thread")]
async fn a_sessions_accessors_act_on_that_session_only() {
    // Arrange: a session and a bystander session on one server; in the session, carol's
    // ResetPIN answers 503 and alice is expected to reset once.
    let server = UmMockServer::start().await;
    let session = server.session().await.unwrap();
    let bystander = server.session().await.unwrap();
    let fixture_pin = server.mailbox(ALICE).unwrap().pin;
    session
        .add_scenario(Scenario::new(CAROL, "ResetPIN").outcome(Outcome::http(503)))
        .unwrap();
    session
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .times(1);

    // Act
    let alice_in_session = reset_pin_at(&session.service_url(), "alice").await;
    let carol_in_session = reset_pin_at(&session.service_url(), "carol").await;
    let carol_at_root = reset_pin_at(&server.service_url(), "carol").await;
    let email = session.wait_for_email(ALICE, WAIT).await.unwrap();
    let logon = session.phone_logon(ALICE, "000000").unwrap();
    session.advance_clock(Duration::from_secs(24 * 3600));

    // Assert: the URLs carry the prefix.
    assert_eq!(
        session.uri(),
        format!("{}/sessions/{}", server.uri(), session.id())
    );
    assert_eq!(
        session.service_url(),
        format!("{}/EWS/UM2007Legacy.asmx", session.uri())
    );
    // The scenario answered in the session only.
    assert_eq!((alice_in_session, carol_in_session), (200, 503));
    assert_eq!(carol_at_root, 200);
    // Emails, journal, mailboxes, phone logons and the clock: the session's own.
    assert_eq!(email.to, ALICE);
    assert_eq!(session.emails(), std::slice::from_ref(&email));
    assert!(bystander.emails().is_empty());
    assert_eq!(
        server.emails().iter().map(|e| &e.to).collect::<Vec<_>>(),
        [CAROL]
    );
    let statuses = |requests: Vec<exchange_um_mock::RecordedRequest>| {
        requests
            .into_iter()
            .map(|r| (r.mailbox, r.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(session.requests()),
        [
            (Some(ALICE.to_string()), Some(200)),
            (Some(CAROL.to_string()), Some(503))
        ]
    );
    assert_eq!(
        statuses(server.requests()),
        [(Some(CAROL.to_string()), Some(200))]
    );
    assert!(bystander.requests().is_empty());
    assert_eq!(session.mailbox(ALICE).unwrap().pin, Some(email.pin));
    assert_eq!(server.mailbox(ALICE).unwrap().pin, fixture_pin);
    assert_eq!(logon.failed_logons, 1);
    assert_eq!(session.mailbox(ALICE).unwrap().failed_logons, 1);
    assert_eq!(server.mailbox(ALICE).unwrap().failed_logons, 0);
    let ahead = session
        .clock()
        .duration_since(server.clock())
        .expect("the session's clock is ahead of the root's");
    assert!(ahead >= Duration::from_secs(23 * 3600), "{ahead:?}");
    assert!(bystander.clock() < session.clock());
    // The expectation counted the session's request and no other.
    session.verify();

    // Act: the session's reset.
    session.reset();

    // Assert: the session is as it started; the root kept its email.
    assert!(session.emails().is_empty());
    let scripted = |double: &exchange_um_mock::UmDouble| {
        double
            .scenarios()
            .into_iter()
            .map(|s| (s.mailbox, s.operation))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scripted(&session),
        scripted(&server),
        "the fixtures' scenarios only"
    );
    assert_eq!(session.mailbox(ALICE).unwrap().pin, fixture_pin);
    assert_eq!(server.emails().len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_a_session_ends_it_and_its_urls_answer_404() {
    // Arrange
    let server = UmMockServer::start().await;
    let session = server.session().await.unwrap();
    let (id, url) = (session.id().to_string(), session.service_url());
    assert_eq!(reset_pin_at(&url, "alice").await, 200);

    // Act
    drop(session);

    // Assert
    let answer = reqwest::Client::new()
        .post(&url)
        .header("Authorization", basic("alice", "pw"))
        .body(reset_pin_envelope())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(
        answer.headers()["x-exum-reason"],
        format!("no session '{id}'").as_str()
    );
    let list: serde_json::Value = reqwest::get(format!("{}/__admin/sessions", server.uri()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_a_session_with_an_unmet_expectation_panics_with_the_report_as_a_server_does() {
    // Arrange: alice is expected in the session, but resets at the root.
    let server = UmMockServer::start().await;
    let session = server.session().await.unwrap();
    let url = session.service_url();
    session
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .at_least(1);
    assert_eq!(reset_pin_at(&server.service_url(), "alice").await, 200);

    // Act
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(session)));

    // Assert: the report, and the session ended all the same.
    crate::library::assert_reports_alice_unmet(dropped);
    assert_eq!(reset_pin_at(&url, "alice").await, 404);
    server.verify();
}

#[tokio::test(flavor = "current_thread")]
async fn session_with_reports_every_fixture_problem_and_follows_the_seed_it_is_given() {
    // Arrange: two problems (no extension for a UM-enabled mailbox; an unknown policy), and
    // servers seeded 3 and 7.
    let server = UmMockServer::builder().seed(3).start().await.unwrap();
    let seeded_7 = UmMockServer::builder().seed(7).start().await.unwrap();
    let broken = FixtureSet::from_mock_json(
        r#"{"mailboxes": [{"smtp_address": "x@example.com"}, {"smtp_address": "y@example.com", "extension": "2", "policy": "Nope"}]}"#,
    );

    // Act
    let refused = server.session_with(broken, None).await.unwrap_err();
    let session = server.session_with(None, 7).await.unwrap();
    reset_pin_at(&session.service_url(), "alice").await;
    reset_pin_at(&seeded_7.service_url(), "alice").await;
    reset_pin_at(&server.service_url(), "alice").await;

    // Assert
    assert_eq!(refused.kind(), ErrorKind::Fixtures);
    assert!(refused.problems().len() >= 2, "{refused}");
    let pin = |double: &exchange_um_mock::UmDouble| double.emails()[0].pin.clone();
    assert_eq!(pin(&session), pin(&seeded_7));
    assert_ne!(pin(&server), pin(&seeded_7));
}
