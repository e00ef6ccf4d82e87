//! List pages: `/__admin/requests` and `/__admin/emails` send at most 1,000
//! items without `limit`, 10,000 with it, and page on with `after_id`.

use serde_json::Value;

use crate::support::*;

fn ids(page: &Value, key: &str) -> Vec<u64> {
    field(&page[key], "id")
        .iter()
        .map(|id| id.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_journal_is_sent_a_thousand_at_a_time_and_pages_on_with_after_id() {
    let mock = Mock::start().await;
    for _ in 0..1_200 {
        let refused = mock.send(mock.client.post(mock.url(PATH_2010))).await;
        assert_eq!(refused.status, 401);
    }

    let first = mock.journal("").await;
    let last_id = *ids(&first, "requests").last().unwrap();
    let rest = mock.journal(&format!("after_id={last_id}")).await;
    let large = mock.journal("limit=10000").await;
    let too_large = mock
        .admin("GET", "/__admin/requests?limit=20000", None)
        .await;

    assert_eq!(first["total"], 1_200);
    assert_eq!(ids(&first, "requests"), (1..=1_000).collect::<Vec<_>>());
    assert_eq!(rest["total"], 200);
    assert_eq!(ids(&rest, "requests"), (1_001..=1_200).collect::<Vec<_>>());
    assert_eq!(ids(&large, "requests").len(), 1_200);
    assert_eq!(too_large.status, 400);
    assert_eq!(
        too_large.json()["error"],
        "parameter 'limit' must be a whole number from 0 to 10000, not '20000'"
    );
}

#[tokio::test]
async fn the_email_list_is_sent_a_thousand_at_a_time_and_pages_on_with_after_id() {
    let mock = Mock::start().await;
    for _ in 0..1_005 {
        mock.reset_pin_ok("alice").await;
    }

    let first = mock.emails("").await;
    let last_id = *ids(&first, "emails").last().unwrap();
    let rest = mock.emails(&format!("after_id={last_id}")).await;
    let too_large = mock.admin("GET", "/__admin/emails?limit=10001", None).await;

    assert_eq!(first["total"], 1_005);
    assert_eq!(ids(&first, "emails").len(), 1_000);
    assert_eq!(rest["total"], 5);
    assert_eq!(ids(&rest, "emails").len(), 5);
    assert!(ids(&rest, "emails")[0] > last_id);
    assert_eq!(too_large.status, 400);
    assert!(too_large.json()["error"]
        .as_str()
        .unwrap()
        .contains("from 0 to 10000"));
}
