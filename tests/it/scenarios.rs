//! The order scenarios give outcomes in (then, newest first, wildcards, dave's fixture
//! scenario) and `/__admin/scenarios` itself.

use serde_json::{json, Value};

use crate::support::*;

fn statuses(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(|r| r.status).collect()
}

async fn resets(mock: &Mock, user: &str, n: usize) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..n {
        replies.push(mock.reset_pin(user).await);
    }
    replies
}

#[tokio::test]
async fn after_its_list_a_scenario_retires_repeats_the_last_outcome_or_starts_over() {
    let mock = Mock::start().await;
    let two = json!([{"http": 500}, {"http": 503}]);
    for (user, then) in [
        ("alice", "default"),
        ("carol", "repeat-last"),
        ("erin", "cycle"),
    ] {
        mock.add_scenario(json!({
            "mailbox": format!("{user}@contoso.com"),
            "operation": "ResetPIN",
            "outcomes": two,
            "then": then,
        }))
        .await;
    }

    assert_eq!(
        statuses(&resets(&mock, "alice", 4).await),
        [500, 503, 200, 200]
    );
    assert_eq!(
        statuses(&resets(&mock, "carol", 4).await),
        [500, 503, 503, 503]
    );
    assert_eq!(
        statuses(&resets(&mock, "erin", 5).await),
        [500, 503, 500, 503, 500]
    );

    let listed = mock.get_json("/__admin/scenarios").await;
    let by_mailbox = |address: &str| {
        listed["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["mailbox"] == address)
            .unwrap()
            .clone()
    };
    let alice = by_mailbox("alice@contoso.com");
    assert_eq!(
        (&alice["given"], &alice["remaining"]),
        (&json!(2), &json!([]))
    );
    assert_eq!(alice["then"], "default");
    let carol = by_mailbox("carol@contoso.com");
    assert_eq!(
        (&carol["given"], &carol["then"]),
        (&json!(4), &json!("repeat-last"))
    );
    let erin = by_mailbox("erin@contoso.com");
    assert_eq!(
        (&erin["given"], &erin["then"]),
        (&json!(5), &json!("cycle"))
    );
}

#[tokio::test]
async fn the_newest_matching_scenario_decides_first() {
    let mock = Mock::start().await;
    mock.add_scenario(json!({
        "mailbox": "alice@contoso.com", "operation": "ResetPIN",
        "outcomes": [{"http": 500}], "then": "repeat-last",
    }))
    .await;
    mock.add_scenario(json!({
        "mailbox": "ALICE@contoso.com", "operation": "ResetPIN",
        "outcomes": [{"http": 418}, {"http": 429}],
    }))
    .await;

    let replies = resets(&mock, "alice", 4).await;

    assert_eq!(statuses(&replies), [418, 429, 500, 500]);
    let scenario_ids: Vec<Value> = {
        let mut ids = Vec::new();
        for reply in &replies {
            ids.push(mock.journal_entry(reply.request_id()).await["scenario"].clone());
        }
        ids
    };
    assert_eq!(scenario_ids, [json!(3), json!(3), json!(2), json!(2)]);
}

#[tokio::test]
async fn a_star_matches_every_mailbox_and_every_operation() {
    let mock = Mock::start().await;
    mock.add_scenario(json!({
        "mailbox": "*", "operation": "ResetPIN",
        "outcomes": [{"http": 502}], "then": "repeat-last",
    }))
    .await;

    assert_eq!(statuses(&resets(&mock, "carol", 1).await), [502]);
    assert_eq!(statuses(&resets(&mock, "erin", 1).await), [502]);
    let other_operation = mock
        .post_as("carol", PATH_2010, envelope(HTTP_NS, "GetUMProperties"))
        .await;
    assert_ne!(
        other_operation.status, 502,
        "the operation still has to match"
    );

    mock.add_scenario(json!({
        "mailbox": "carol@contoso.com", "operation": "*",
        "outcomes": [{"http": 504}], "then": "repeat-last",
    }))
    .await;
    let any_operation = mock
        .post_as("carol", PATH_2010, envelope(HTTP_NS, "GetUMProperties"))
        .await;
    assert_eq!(any_operation.status, 504);
    assert_eq!(statuses(&resets(&mock, "carol", 1).await), [504]);
    assert_eq!(statuses(&resets(&mock, "alice", 1).await), [502]);
}

#[tokio::test]
async fn daves_scripted_busy_server_fails_once_then_the_retry_succeeds() {
    let mock = Mock::start().await;

    let first = mock.reset_pin("CONTOSO\\dave").await;
    let retry = mock.reset_pin("CONTOSO\\dave").await;

    assert_eq!(first.status, 500);
    assert_eq!(
        first.body,
        fixture_bytes("responses/ResetPIN/server-busy.xml")
    );
    assert_eq!(retry.status, 200);
    assert_eq!(retry.text(), empty_response_xml(HTTP_NS, "ResetPIN"));
    let emails = mock.emails("to=dave@contoso.com").await;
    assert_eq!(emails["total"], 1);
    assert_eq!(emails["emails"][0]["request_id"], retry.request_id());
    assert_eq!(
        mock.mailbox("dave@contoso.com").await["pin"],
        emails["emails"][0]["pin"]
    );
    let journal = mock.journal("mailbox=dave@contoso.com").await;
    assert_eq!(
        field(&journal["requests"], "outcome"),
        [
            &json!({"fixture": "ResetPIN/server-busy"}),
            &json!("default")
        ]
    );
    assert_eq!(
        field(&journal["requests"], "scenario"),
        [&json!(1), &json!(1)]
    );
}

#[tokio::test]
async fn scenarios_are_listed_added_and_removed_through_the_admin_api() {
    let mock = Mock::start().await;
    let loaded = mock.get_json("/__admin/scenarios").await;
    assert_eq!(
        loaded,
        json!({"scenarios": [{
            "id": 1,
            "mailbox": "dave@contoso.com",
            "operation": "ResetPIN",
            "outcomes": [{"fixture": "ResetPIN/server-busy"}, "default"],
            "remaining": [{"fixture": "ResetPIN/server-busy"}, "default"],
            "then": "default",
            "given": 0,
        }]})
    );

    let added = mock
        .admin(
            "POST",
            "/__admin/scenarios",
            Some(json!({"mailbox": "carol@contoso.com", "operation": "ResetPIN", "outcomes": [{"http": 503}]})),
        )
        .await;
    assert_eq!(added.status, 201);
    let added = added.json();
    assert_eq!(added["id"], 2);
    assert_eq!(added["remaining"], json!([{"http": 503}]));
    assert_eq!(
        (&added["then"], &added["given"]),
        (&json!("default"), &json!(0))
    );
    let listed = mock.get_json("/__admin/scenarios").await;
    assert_eq!(
        field(&listed["scenarios"], "id"),
        [&json!(2), &json!(1)],
        "newest first"
    );

    assert_eq!(
        mock.admin("DELETE", "/__admin/scenarios/2", None)
            .await
            .status,
        204
    );
    let again = mock.admin("DELETE", "/__admin/scenarios/2", None).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json(), json!({"error": "no scenario 2"}));
    assert_eq!(
        mock.admin("DELETE", "/__admin/scenarios/x", None)
            .await
            .status,
        400
    );
    assert_eq!(
        mock.reset_pin("carol").await.status,
        200,
        "the removed scenario no longer answers"
    );

    assert_eq!(
        mock.admin("DELETE", "/__admin/scenarios", None)
            .await
            .status,
        204
    );
    assert_eq!(
        mock.get_json("/__admin/scenarios").await,
        json!({"scenarios": []})
    );
    assert_eq!(mock.reset_pin("dave").await.status, 200);
    assert_eq!(
        mock.add_scenario(json!({"mailbox": "*", "operation": "*", "outcomes": ["default"]}))
            .await["id"],
        3,
        "ids are never reused"
    );
}

#[tokio::test]
async fn a_bad_scenario_is_refused_with_a_400_that_says_why() {
    let mock = Mock::start().await;
    let cases = [
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"explode": true}]}),
            "unknown key 'explode'",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": ["defualt"]}),
            "unknown outcome 'defualt'",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"network": "explode"}]}),
            "'network' must be",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"fixture": "ResetPIN/nope"}]}),
            "no file responses/ResetPIN/nope.xml",
        ),
        (
            json!({"mailbox": "zed@contoso.com", "operation": "ResetPIN", "outcomes": ["default"]}),
            "unknown mailbox 'zed@contoso.com'",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPin", "outcomes": ["default"]}),
            "unknown operation 'ResetPin'",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": []}),
            "at least one outcome",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": ["default"], "then": "forever"}),
            "then",
        ),
        (
            json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": ["default"], "extra": 1}),
            "extra",
        ),
        (
            json!({"operation": "ResetPIN", "outcomes": ["default"]}),
            "mailbox",
        ),
    ];
    for (body, needle) in cases {
        let reply = mock
            .admin("POST", "/__admin/scenarios", Some(body.clone()))
            .await;

        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(needle), "{body}: {error:?} lacks {needle:?}");
    }
    let not_json = mock
        .send(
            mock.client
                .post(mock.url("/__admin/scenarios"))
                .body("{not json"),
        )
        .await;
    assert_eq!(not_json.status, 400);
    assert!(not_json.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("bad JSON body"));
    assert_eq!(
        mock.get_json("/__admin/scenarios").await["scenarios"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn reset_brings_back_the_scenarios_as_loaded() {
    let mock = Mock::start().await;
    let loaded = mock.get_json("/__admin/scenarios").await;
    mock.reset_pin("dave").await; // uses up dave's first outcome
    mock.admin("DELETE", "/__admin/scenarios", None).await;
    mock.add_scenario(json!({"mailbox": "*", "operation": "*", "outcomes": [{"http": 503}]}))
        .await;

    assert_eq!(mock.admin("POST", "/__admin/reset", None).await.status, 204);

    assert_eq!(mock.get_json("/__admin/scenarios").await, loaded);
    assert_eq!(mock.reset_pin("dave").await.status, 500);
    assert_eq!(mock.reset_pin("alice").await.status, 200);
}

#[tokio::test]
async fn a_scenario_as_listed_can_be_posted_back_and_gets_a_new_id() {
    let mock = Mock::start().await;
    let listed = mock.get_json("/__admin/scenarios").await["scenarios"][0].clone();
    assert_eq!(
        listed["id"], 1,
        "dave's scenario from the fixtures: {listed}"
    );

    let reply = mock
        .admin("POST", "/__admin/scenarios", Some(listed.clone()))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text());
    let stored = reply.json();
    assert_eq!(stored["id"], 2, "the server gives the id");
    assert_eq!(stored["given"], 0);
    assert_eq!(stored["remaining"], listed["outcomes"]);
    assert_eq!(stored["outcomes"], listed["outcomes"]);
}

#[tokio::test]
async fn past_ten_thousand_scenarios_that_can_still_answer_a_post_is_409_and_a_retired_one_frees_a_place(
) {
    let mock = Mock::start().await;
    // dave's fixture scenario is one of them.
    for _ in 1..10_000 {
        mock.server
            .add_scenario(
                exchange_um_mock::Scenario::new("carol@contoso.com", "IsUMEnabled")
                    .outcome(exchange_um_mock::Outcome::http(503)),
            )
            .unwrap();
    }
    let one = json!({"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"http": 503}]});

    let refused = mock
        .admin("POST", "/__admin/scenarios", Some(one.clone()))
        .await;

    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.json()["error"]
        .as_str()
        .unwrap()
        .contains("10000 scenarios"));
    // dave's scenario gives its two outcomes (server busy, then the default) and retires.
    assert_eq!(mock.reset_pin("dave").await.status, 500);
    assert_eq!(mock.reset_pin("dave").await.status, 200);
    let added = mock.admin("POST", "/__admin/scenarios", Some(one)).await;
    assert_eq!(added.status, 201, "{}", added.text());
}
