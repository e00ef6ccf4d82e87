//! Many sessions under parallel load: every request lands in its own session, none is lost or
//! counted twice, and the root sees none of them.

use std::sync::Arc;

use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::{create, session_json};
use crate::support::*;

const SESSIONS: usize = 8;
const RESETS: usize = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_sessions_with_25_parallel_resets_each_capture_exactly_25_emails_each_and_none_at_the_root(
) {
    // Arrange: 8 sessions, and 200 ResetPIN requests for alice that all wait on one barrier,
    // interleaved across the sessions.
    let mock = Mock::start().await;
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        sessions.push(create(&mock).await);
    }
    let start = Arc::new(Barrier::new(SESSIONS * RESETS));
    let mut requests = JoinSet::new();
    for _ in 0..RESETS {
        for session in &sessions {
            let request = reset_pin_request(&mock.client, &session.base_url, "CONTOSO\\alice");
            let start = Arc::clone(&start);
            requests.spawn(async move {
                start.wait().await;
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.text().await.unwrap())
            });
        }
    }

    // Act
    let mut answers = Vec::new();
    while let Some(answer) = requests.join_next().await {
        answers.push(answer.unwrap());
    }

    // Assert: every reset succeeded; each session holds exactly its 25 emails, numbered from
    // 1, its mailbox's PIN the last one's; the root holds none, and journaled nothing.
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    assert_eq!(answers.len(), SESSIONS * RESETS);
    for session in &sessions {
        let emails = session_json(&mock, session, "/__admin/emails").await;
        assert_eq!(emails["total"], RESETS, "session {}: {emails}", session.id);
        let ids: Vec<u64> = field(&emails["emails"], "id")
            .iter()
            .map(|id| id.as_u64().unwrap())
            .collect();
        assert_eq!(ids, (1..=RESETS as u64).collect::<Vec<_>>());
        assert!(field(&emails["emails"], "to")
            .iter()
            .all(|to| *to == "alice@contoso.com"));
        let journal = session_json(&mock, session, "/__admin/requests").await;
        assert_eq!(journal["total"], RESETS, "session {}", session.id);
        let alice = session_json(&mock, session, "/__admin/mailboxes/alice@contoso.com").await;
        let last_pin = &emails["emails"][RESETS - 1]["pin"];
        assert_eq!(&alice["pin"], last_pin, "session {}", session.id);
    }
    assert!(mock.server.emails().is_empty());
    assert!(mock.server.requests().is_empty());
}
