//! Sessions under load and at their bounds: Windows authentication per session on
//! one kept-alive connection, parallel resets spread over many sessions, `--max-sessions`,
//! idle expiry, the library's `UmSession`, and resident memory with sessions in use.

mod bounds;
mod library;
#[cfg(target_os = "linux")]
mod memory;
mod ntlm;
mod parallel;

use serde_json::{json, Value};

use crate::support::Mock;

/// A session made with `POST /__admin/sessions`, as a test suite would make one.
pub(crate) struct Made {
    pub(crate) id: String,
    /// `http://127.0.0.1:PORT/sessions/ID`
    pub(crate) base_url: String,
}

impl Made {
    /// `/sessions/ID` + `path`: a path of the session, for a request on the same server.
    pub(crate) fn path(&self, path: &str) -> String {
        format!("/sessions/{}{path}", self.id)
    }
}

/// Creates a session on the server's fixtures; it must be made (201).
pub(crate) async fn create(mock: &Mock) -> Made {
    let reply = mock
        .admin("POST", "/__admin/sessions", Some(json!({})))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let entry = reply.json();
    Made {
        id: entry["id"].as_str().unwrap().to_string(),
        base_url: entry["base_url"].as_str().unwrap().to_string(),
    }
}

/// The ids of the sessions `GET /__admin/sessions` lists.
pub(crate) async fn listed(mock: &Mock) -> Vec<String> {
    let list = mock.get_json("/__admin/sessions").await;
    list["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("no sessions list in {list}"))
        .iter()
        .map(|entry| entry["id"].as_str().unwrap().to_string())
        .collect()
}

/// `GET path` under the session's prefix (its admin API), which must answer 200 with JSON.
pub(crate) async fn session_json(mock: &Mock, session: &Made, path: &str) -> Value {
    mock.get_json(&session.path(path)).await
}
