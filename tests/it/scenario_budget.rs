//! The byte budgets of scripted outcomes, stored strings a client sets: one
//! scenario carries at most `--max-body-bytes` of outcome text, all of them at most 64 MiB.

use exchange_um_mock::{ErrorKind, FixtureSet, Outcome, Scenario, UmMockServer};
use serde_json::json;

use crate::support::Mock;

const MIB: usize = 1024 * 1024;

fn scenario_with_bodies(bodies: &[usize]) -> Scenario {
    bodies.iter().fold(
        Scenario::new("alice@contoso.com", "ResetPIN"),
        |scenario, len| scenario.outcome(Outcome::http(503).with_body("x".repeat(*len))),
    )
}

#[tokio::test]
async fn an_outcome_body_over_max_body_bytes_is_413_for_the_admin_request() {
    let mock = Mock::with(UmMockServer::builder().max_body_bytes(1_000)).await;
    let before = mock.get_json("/__admin/scenarios").await;

    let reply = mock
        .admin(
            "POST",
            "/__admin/scenarios",
            Some(json!({
                "mailbox": "alice@contoso.com", "operation": "ResetPIN",
                "outcomes": [{"http": 503, "body": "x".repeat(1_001)}]
            })),
        )
        .await;

    assert_eq!(reply.status, 413);
    assert!(reply.error().contains("--max-body-bytes"));
    assert_eq!(mock.get_json("/__admin/scenarios").await, before);
}

#[tokio::test]
async fn outcomes_each_under_the_limit_are_refused_when_their_sum_is_over_it() {
    let server = UmMockServer::builder()
        .max_body_bytes(1_000)
        .start()
        .await
        .unwrap();

    let error = server
        .add_scenario(scenario_with_bodies(&[400, 400, 250]))
        .unwrap_err();
    let headers = server.add_scenario(
        Scenario::new("alice@contoso.com", "ResetPIN")
            .outcome(Outcome::http(503).with_header("X-Big", "y".repeat(1_000))),
    );

    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert_eq!(error.problems()[0].path, "outcomes");
    assert!(
        error.problems()[0].message.contains("1050 bytes"),
        "{error}"
    );
    assert_eq!(headers.unwrap_err().kind(), ErrorKind::Invalid);
    assert!(server
        .add_scenario(scenario_with_bodies(&[400, 400]))
        .is_ok());
}

#[tokio::test]
async fn all_scenarios_together_hold_at_most_64_mib_of_bodies() {
    // Arrange: four scenarios of 16 MiB fill the budget.
    let mock = Mock::with(UmMockServer::builder().max_body_bytes(16 * MIB)).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(
            mock.server
                .add_scenario(scenario_with_bodies(&[16 * MIB]))
                .unwrap()
                .id,
        );
    }
    let small = json!({
        "mailbox": "alice@contoso.com", "operation": "ResetPIN",
        "outcomes": [{"http": 503, "body": "busy"}]
    });

    // Act
    let refused = mock
        .admin("POST", "/__admin/scenarios", Some(small.clone()))
        .await;
    let from_code = mock.server.add_scenario(scenario_with_bodies(&[4]));
    mock.admin("DELETE", &format!("/__admin/scenarios/{}", ids[0]), None)
        .await;
    let after_removal = mock.admin("POST", "/__admin/scenarios", Some(small)).await;

    // Assert
    assert_eq!(refused.status, 409);
    assert!(refused.json()["error"]
        .as_str()
        .unwrap()
        .contains("67108864 bytes"));
    assert_eq!(from_code.unwrap_err().kind(), ErrorKind::TooManyScenarios);
    assert_eq!(after_removal.status, 201, "{}", after_removal.text());
}

#[test]
fn a_fixture_outcome_body_over_one_mib_is_a_problem_with_its_path() {
    let set = FixtureSet::from_mock_json(
        json!({
            "mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}],
            "scenarios": [{"mailbox": "x@example.com", "operation": "ResetPIN",
                "outcomes": ["default", {"http": 503, "body": "x".repeat(MIB + 1)}]}]
        })
        .to_string(),
    );

    let error = set.validate().unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Fixtures);
    assert_eq!(error.problems().len(), 1, "{error}");
    assert_eq!(error.problems()[0].path, "scenarios[0].outcomes[1]");
    assert!(error.problems()[0].message.contains("1048576"), "{error}");
}

#[test]
fn fixture_scenarios_over_64_mib_in_all_are_a_problem() {
    let scenario = json!({"mailbox": "*", "operation": "ResetPIN",
        "outcomes": [{"http": 503, "body": "x".repeat(MIB)}]});
    let set = FixtureSet::from_mock_json(
        json!({
            "mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}],
            "scenarios": vec![scenario; 65]
        })
        .to_string(),
    );

    let error = set.validate().unwrap_err();

    assert_eq!(error.problems().len(), 1, "{error}");
    assert_eq!(error.problems()[0].path, "scenarios");
    assert!(error.problems()[0].message.contains("67108864"), "{error}");
}
