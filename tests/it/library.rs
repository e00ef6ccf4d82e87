//! The Rust library API, used as a test suite would: only public items, from both Tokio
//! flavours and from a plain `#[test]`, with the example PIN-reset client as the client under
//! test.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use exchange_um_mock::{NetworkFault, Operation, Outcome, Scenario, Then, UmMockServer};
use pin_reset_client::{reset_pin, ResetPinError};

#[path = "../../examples/pin_reset_client.rs"]
mod pin_reset_client;

const ALICE: &str = "alice@contoso.com";
const WAIT: Duration = Duration::from_secs(5);

async fn reset_alice(server: &UmMockServer) -> Result<(), ResetPinError> {
    reset_pin(
        &reqwest::Client::new(),
        &server.service_url(),
        "CONTOSO\\alice",
        "any",
    )
    .await
}

/// A ResetPIN over a plain blocking socket, as a synchronous client would send it; the status
/// line of the answer.
fn blocking_reset(server: &UmMockServer, user: &str) -> String {
    let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
    let credentials = base64_basic(user);
    let mut stream = std::net::TcpStream::connect(server.address()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {credentials}\r\n\
         Content-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}

fn base64_basic(user: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"))
}

#[tokio::test(flavor = "current_thread")]
async fn the_example_client_resets_alice_and_her_email_carries_the_new_pin() {
    // Arrange
    let server = UmMockServer::builder().seed(3).start().await.unwrap();
    let old_pin = server.mailbox(ALICE).unwrap().pin;

    // Act
    reset_alice(&server).await.unwrap();

    // Assert
    let email = server.wait_for_email(ALICE, WAIT).await.unwrap();
    let alice = server.mailbox(ALICE).unwrap();
    assert_eq!(alice.pin.as_ref(), Some(&email.pin));
    assert_ne!(alice.pin, old_pin);
    assert!(alice.pin_expired);
    assert_eq!(server.requests()[0].operation.as_deref(), Some("ResetPIN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_client_maps_each_failure_to_its_error() {
    // Arrange
    let server = UmMockServer::start().await;
    let client = reqwest::Client::new();
    let url = server.service_url();
    let script = |outcome: Outcome| {
        server
            .add_scenario(Scenario::new(ALICE, "ResetPIN").outcome(outcome))
            .unwrap();
    };

    // Act, Assert: each way a reset can fail.
    let wrong_user = reset_pin(&client, &url, "CONTOSO\\alic", "pw").await;
    assert!(
        matches!(wrong_user, Err(ResetPinError::Unauthorized)),
        "{wrong_user:?}"
    );

    let bob = reset_pin(&client, &url, "bob", "pw").await;
    assert!(matches!(bob, Err(ResetPinError::NotUmEnabled)), "{bob:?}");

    // dave's first ResetPIN is scripted "server busy" by the default fixtures.
    let dave = reset_pin(&client, &url, "dave", "P@ssw0rd!").await;
    assert!(
        matches!(dave, Err(ResetPinError::ServerBusy { retry_after }) if retry_after == Duration::from_secs(5)),
        "{dave:?}"
    );

    script(Outcome::fault("InvalidPrincipalException").with_message("who?"));
    let fault = reset_alice(&server).await;
    assert!(
        matches!(&fault, Err(ResetPinError::Fault { code, message }) if code == "InvalidPrincipalException" && message == "who?"),
        "{fault:?}"
    );

    script(Outcome::http(503).with_body("Service Unavailable"));
    let unavailable = reset_alice(&server).await;
    assert!(
        matches!(unavailable, Err(ResetPinError::Http { status: 503 })),
        "{unavailable:?}"
    );

    script(Outcome::network(NetworkFault::Reset));
    let reset = reset_alice(&server).await;
    assert!(
        matches!(reset, Err(ResetPinError::Transport(_))),
        "{reset:?}"
    );

    // And no failure sent alice an email.
    assert!(server.emails_to(ALICE).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn the_example_program_shows_each_users_outcome_and_the_one_email_sent() {
    // Arrange, Act: what the example's main prints, line by line (it starts its own server).
    let lines = pin_reset_client::demo().await;

    // Assert: only alice's reset succeeds; bob is not UM-enabled, dave's first reset is scripted
    // "server busy" by the default fixtures, and nobody is not a known logon.
    let (outcomes, emails) = lines.split_at(lines.len().min(4));
    assert_eq!(
        outcomes,
        [
            "CONTOSO\\alice: PIN reset; email sent",
            "bob: this mailbox has no voice mail (not UM-enabled)",
            "dave: Exchange is busy; try again in 5 s",
            "nobody: the user name or password is wrong",
        ]
    );
    let [captured] = emails else {
        panic!("not exactly one captured email: {emails:#?}");
    };
    let pin = captured
        .strip_prefix("captured: to alice@contoso.com PIN ")
        .unwrap_or_else(|| panic!("not alice's email: {captured}"));
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "not a 6-digit PIN (alice's Default policy): {captured}"
    );
}

#[test]
fn a_plain_test_drives_the_server_with_futures_block_on() {
    // Arrange: no Tokio runtime in this test at all.
    let server = futures::executor::block_on(UmMockServer::start());

    // Act
    let status = blocking_reset(&server, "alice");

    // Assert
    assert_eq!(status, "HTTP/1.1 200 OK");
    let email = futures::executor::block_on(server.wait_for_email(ALICE, WAIT)).unwrap();
    assert_eq!(server.mailbox(ALICE).unwrap().pin, Some(email.pin));
    futures::executor::block_on(server.shutdown());
}

#[test]
fn a_plain_test_drives_the_server_with_a_tokio_runtime() {
    // Arrange
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(UmMockServer::start());

    // Act
    runtime.block_on(reset_alice(&server)).unwrap();

    // Assert
    let email = runtime
        .block_on(server.wait_for_email(ALICE, WAIT))
        .unwrap();
    assert_eq!(email.to, ALICE);
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_that_blocks_the_test_thread_cannot_starve_the_server() {
    // Arrange
    let server = UmMockServer::start().await;

    // Act: a blocking client on the only thread of this test's runtime.
    let status = blocking_reset(&server, "alice");

    // Assert
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(server.emails_to(ALICE).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_servers_started_in_parallel_stay_isolated() {
    // Arrange
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn(async {
                let server = UmMockServer::start().await;
                // Act: each resets its own alice.
                reset_alice(&server).await.unwrap();
                let email = server.wait_for_email(ALICE, WAIT).await.unwrap();
                (server, email)
            })
        })
        .collect();

    // Assert: each sees exactly its own request and email, and its own PIN.
    let mut ports = std::collections::HashSet::new();
    for task in tasks {
        let (server, email) = task.await.unwrap();
        assert!(ports.insert(server.address().port()));
        assert_eq!(server.emails().len(), 1);
        assert_eq!(server.requests().len(), 1);
        assert_eq!(email.id, 1, "ids count per server");
        assert_eq!(server.mailbox(ALICE).unwrap().pin, Some(email.pin));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn wait_for_email_hands_out_each_email_once_in_order_and_waits_for_a_late_one() {
    // Arrange: the second reset's email is captured 200 ms after the server takes its request.
    let server = UmMockServer::start().await;
    reset_alice(&server).await.unwrap();
    server
        .add_scenario(Scenario::new(ALICE, "ResetPIN").outcome(Outcome::mail_delay_ms(200)))
        .unwrap();
    let client = reqwest::Client::new();
    let url = server.service_url();

    // Act: the clock starts just before the second request is sent, so the server cannot have
    // taken it, nor captured its email 200 ms later, before the clock did.
    let sent = Instant::now();
    reset_pin(&client, &url, "CONTOSO\\alice", "any")
        .await
        .unwrap();
    let first = server.wait_for_email(ALICE, WAIT).await.unwrap();
    let second = server.wait_for_email(ALICE, WAIT).await.unwrap();
    let second_after = sent.elapsed();
    let none = server
        .wait_for_email(ALICE, Duration::from_millis(20))
        .await;

    // Assert: a lower bound on the scripted delay (a behaviour check, not a speed check).
    assert_eq!((first.id, second.id), (1, 2));
    assert!(
        second_after >= Duration::from_millis(200),
        "the second email came {second_after:?} after its request was sent, before its 200 ms delay"
    );
    assert!(none.is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn met_expectations_pass_quietly_including_ranges_and_never() {
    // Arrange
    let server = UmMockServer::start().await;
    server
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .times(2);
    server.expect(Operation::ResetPin).times(1..=3);
    server
        .expect(Operation::ResetPin)
        .for_mailbox("ALICE@contoso.com")
        .at_least(1);
    server
        .expect(Operation::ResetPin)
        .for_mailbox("bob@contoso.com")
        .never();
    server.expect(Operation::IsUmEnabled).at_most(0);

    // Act
    reset_alice(&server).await.unwrap();
    reset_alice(&server).await.unwrap();

    // Assert: verify and drop do not panic.
    server.verify();
    drop(server);
}

#[tokio::test(flavor = "current_thread")]
async fn an_unmet_expectation_explains_every_request_for_that_mailbox() {
    // Arrange
    let server = UmMockServer::start().await;
    server
        .add_scenario(
            Scenario::new(ALICE, "ResetPIN").outcome(Outcome::fixture("ResetPIN/server-busy")),
        )
        .unwrap();
    server
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .times(2);
    let client = reqwest::Client::new();

    // Act: a typo'd logon, a busy server, then bob (another mailbox).
    let _ = reset_pin(&client, &server.service_url(), "CONTOSO\\alic", "pw").await;
    let _ = reset_alice(&server).await;
    let _ = reset_pin(&client, &server.service_url(), "bob", "pw").await;
    let report = catch_unwind(AssertUnwindSafe(|| server.verify())).unwrap_err();

    // Assert
    let report = report.downcast_ref::<String>().unwrap();
    for expected in [
        "1 of 1 expectation(s) not met",
        "ResetPIN for alice@contoso.com: expected exactly 2, matched 1",
        "#1 POST /EWS/UM2007Legacy.asmx (no operation read) as 'CONTOSO\\alic' (no mailbox) -> 401",
        "reason: no mailbox has logon 'CONTOSO\\alic'",
        "#2 [counted] POST /EWS/UM2007Legacy.asmx ResetPIN as 'CONTOSO\\alice' (alice@contoso.com) -> 500, outcome {\"fixture\":\"ResetPIN/server-busy\"} (scenario 2)",
        "reason: replayed canned response 'ResetPIN/server-busy' (scenario 2)",
        "(1 request(s) for other mailboxes not shown)",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in:\n{report}");
    }
    server.reset(); // forget the expectation so that dropping the server does not panic
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_a_server_with_an_unmet_expectation_panics_with_the_report() {
    // Arrange
    let server = UmMockServer::start().await;
    server
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .at_least(1);

    // Act
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(server)));

    // Assert
    assert_reports_alice_unmet(dropped);
}

/// `dropped` panicked with the report of an unmet "ResetPIN for alice at least once".
pub(crate) fn assert_reports_alice_unmet(dropped: std::thread::Result<()>) {
    let report = dropped.unwrap_err();
    let report = report.downcast_ref::<String>().unwrap();
    assert!(
        report.contains("expected at least 1, matched 0"),
        "{report}"
    );
    assert!(
        report
            .contains("no request for alice@contoso.com or for no known mailbox is in the journal"),
        "{report}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_test_that_already_panics_keeps_its_own_message_and_does_not_abort() {
    // Arrange
    let server = UmMockServer::start().await;
    server.expect(Operation::ResetPin).times(1);

    // Act: the test body panics while the server is alive.
    let outcome = catch_unwind(AssertUnwindSafe(move || {
        let _server = server;
        panic!("the test's own assertion failed");
    }));

    // Assert: that panic, not the expectation report (and no abort on a double panic).
    let message = outcome.unwrap_err();
    assert_eq!(
        message.downcast_ref::<&str>(),
        Some(&"the test's own assertion failed")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn counting_survives_journal_eviction_and_clearing() {
    // Arrange: a journal of one entry.
    let server = UmMockServer::builder()
        .max_requests(1)
        .start()
        .await
        .unwrap();
    server
        .expect(Operation::ResetPin)
        .for_mailbox(ALICE)
        .times(3);

    // Act
    for _ in 0..3 {
        reset_alice(&server).await.unwrap();
    }
    let cleared = reqwest::Client::new()
        .delete(format!("{}/__admin/requests", server.uri()))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(cleared.status(), 204);
    assert!(server.requests().is_empty());
    server.verify();
}

#[tokio::test(flavor = "current_thread")]
async fn the_public_types_serialise_to_exactly_the_admin_json() {
    // Arrange
    let server = UmMockServer::start().await;
    server
        .add_scenario(
            Scenario::new("*", "ResetPIN")
                .outcome(Outcome::default_answer().with_delay_ms(1))
                .then(Then::Cycle),
        )
        .unwrap();
    reset_alice(&server).await.unwrap();
    let _ = reset_pin(&reqwest::Client::new(), &server.service_url(), "bob", "pw").await;
    let admin = |path: &'static str| {
        let url = format!("{}/__admin/{path}", server.uri());
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };

    // Act
    let emails = admin("emails").await;
    let requests = admin("requests").await;
    let mailboxes = admin("mailboxes").await;
    let scenarios = admin("scenarios").await;
    let alice = admin("mailboxes/alice@contoso.com").await;

    // Assert
    assert_eq!(
        serde_json::to_value(server.emails()).unwrap(),
        emails["emails"]
    );
    assert_eq!(
        serde_json::to_value(server.requests()).unwrap(),
        requests["requests"]
    );
    assert_eq!(
        serde_json::to_value(server.mailboxes()).unwrap(),
        mailboxes["mailboxes"]
    );
    assert_eq!(
        serde_json::to_value(server.scenarios()).unwrap(),
        scenarios["scenarios"]
    );
    assert_eq!(
        serde_json::to_value(server.mailbox(ALICE).unwrap()).unwrap(),
        alice
    );
    assert_eq!(
        serde_json::to_value(&server.requests()[0].outcome).unwrap(),
        requests["requests"][0]["outcome"]
    );
    assert_eq!(emails["emails"].as_array().unwrap().len(), 1);
}

#[cfg(feature = "wiremock")]
mod wiremock_responder {
    use std::time::{Duration, Instant};

    use exchange_um_mock::{NetworkFault, Operation, Outcome, Scenario, UmResponder};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer};

    use super::{reset_pin, ResetPinError, ALICE, WAIT};

    async fn mounted(responder: &UmResponder) -> MockServer {
        let mock_server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/EWS/UM2007Legacy.asmx"))
            .respond_with(responder.clone())
            .mount(&mock_server)
            .await;
        mock_server
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_responder_answers_inside_a_wiremock_server_and_keeps_the_state() {
        // Arrange
        let responder = UmResponder::builder().seed(5).build().unwrap();
        let mock_server = mounted(&responder).await;
        let url = format!("{}/EWS/UM2007Legacy.asmx", mock_server.uri());
        responder
            .expect(Operation::ResetPin)
            .for_mailbox(ALICE)
            .times(1);

        // Act
        reset_pin(&reqwest::Client::new(), &url, "alice", "pw")
            .await
            .unwrap();
        let bob = reset_pin(&reqwest::Client::new(), &url, "bob", "pw").await;

        // Assert
        assert!(matches!(bob, Err(ResetPinError::NotUmEnabled)), "{bob:?}");
        let email = responder.wait_for_email(ALICE, WAIT).await.unwrap();
        assert_eq!(responder.mailbox(ALICE).unwrap().pin, Some(email.pin));
        assert_eq!(responder.requests().len(), 2);
        responder.verify();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scripted_delay_becomes_a_wiremock_delay_and_a_network_fault_a_500_that_says_why() {
        // Arrange
        let responder = UmResponder::new();
        let mock_server = mounted(&responder).await;
        let url = format!("{}/EWS/UM2007Legacy.asmx", mock_server.uri());
        responder
            .add_scenario(
                Scenario::new(ALICE, "ResetPIN")
                    .outcome(Outcome::default_answer().with_delay_ms(300))
                    .outcome(Outcome::network(NetworkFault::Reset)),
            )
            .unwrap();
        let client = reqwest::Client::new();
        let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

        // Act
        let started = Instant::now();
        let slow = client
            .post(&url)
            .basic_auth("alice", Some("pw"))
            .body(envelope)
            .send()
            .await
            .unwrap();
        let slow_took = started.elapsed();
        let fault = client
            .post(&url)
            .basic_auth("alice", Some("pw"))
            .body(envelope)
            .send()
            .await
            .unwrap();

        // Assert
        assert_eq!(slow.status(), 200);
        assert!(slow_took >= Duration::from_millis(300), "{slow_took:?}");
        assert_eq!(fault.status(), 500);
        let reason = fault.headers()["x-exum-reason"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            reason.contains("'reset' cannot be expressed through wiremock"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn wait_for_email_with_no_time_limit_waits_instead_of_panicking() {
    let server = UmMockServer::start().await;
    let waiting = server.wait_for_email("alice@contoso.com", Duration::MAX);

    let (email, reset) = tokio::join!(waiting, reset_alice(&server));

    reset.unwrap();
    assert_eq!(email.unwrap().to, "alice@contoso.com");
}

#[tokio::test]
async fn two_waiters_for_one_address_are_handed_different_emails() {
    let server = UmMockServer::start().await;
    reset_alice(&server).await.unwrap();
    reset_alice(&server).await.unwrap();

    let (one, two) = tokio::join!(
        server.wait_for_email("alice@contoso.com", Duration::from_secs(5)),
        server.wait_for_email("alice@contoso.com", Duration::from_secs(5)),
    );

    let mut ids = [one.unwrap().id, two.unwrap().id];
    ids.sort();
    assert_eq!(ids, [1, 2]);
}
