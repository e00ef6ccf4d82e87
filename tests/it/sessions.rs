//! Sessions: isolated doubles on one server under `/sessions/ID`, created, listed and
//! ended through `/__admin/sessions`. What a client sees of each store, the prefixes the double
//! writes about itself, creation and its refusals, the session's reset, the root's reset and
//! reload, the admin guard under a prefix, and the event streams.

mod creation;
mod events;
mod guard;
mod isolation;
mod lifecycle;
mod prefixes;

use serde_json::{json, Value};

use crate::support::*;

/// One double of a server as a client reaches it: the root, or a session under its prefix.
pub(crate) struct Double<'a> {
    pub(crate) mock: &'a Mock,
    /// `""` at the root, `/sessions/ID` for a session.
    pub(crate) prefix: String,
}

impl<'a> Double<'a> {
    /// The root double: the paths as they are.
    pub(crate) fn root(mock: &'a Mock) -> Self {
        Double {
            mock,
            prefix: String::new(),
        }
    }

    /// A new session on the server's fixtures (`POST /__admin/sessions` without a body).
    pub(crate) async fn create(mock: &'a Mock) -> Self {
        let entry = created(mock, None).await;
        Double::of(mock, &entry)
    }

    /// The session a list entry describes.
    pub(crate) fn of(mock: &'a Mock, entry: &Value) -> Self {
        let id = entry["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {entry}"));
        Double {
            mock,
            prefix: format!("/sessions/{id}"),
        }
    }

    /// The session's id (empty at the root).
    pub(crate) fn id(&self) -> &str {
        self.prefix.strip_prefix("/sessions/").unwrap_or_default()
    }

    /// `path` under this double's prefix.
    pub(crate) fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.mock.url(&self.path(path))
    }

    pub(crate) async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.mock.admin(method, &self.path(path), body).await
    }

    pub(crate) async fn get_json(&self, path: &str) -> Value {
        self.mock.get_json(&self.path(path)).await
    }

    /// The `total` of a list answer at `path`.
    pub(crate) async fn total(&self, path: &str) -> u64 {
        let list = self.get_json(path).await;
        list["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {list}"))
    }

    /// How many scenarios the double holds.
    pub(crate) async fn scenarios(&self) -> usize {
        let list = self.get_json("/__admin/scenarios").await;
        list["scenarios"]
            .as_array()
            .unwrap_or_else(|| panic!("no scenarios in {list}"))
            .len()
    }

    /// The mailbox without `pin_set_at` and `pin_expires_at`, which a double sets to its own
    /// clock's time when it loads its fixtures.
    pub(crate) async fn mailbox_untimed(&self, address: &str) -> Value {
        let mut mailbox = self.mailbox(address).await;
        let fields = mailbox.as_object_mut().unwrap();
        for time in ["pin_set_at", "pin_expires_at"] {
            assert!(fields.remove(time).is_some(), "no {time} in {address}");
        }
        mailbox
    }

    pub(crate) async fn mailbox(&self, address: &str) -> Value {
        self.get_json(&format!("/__admin/mailboxes/{address}"))
            .await
    }

    /// A ResetPIN call as `user`, as a typical client makes it, to this double's endpoint.
    pub(crate) async fn reset_pin(&self, user: &str) -> Reply {
        let request = reset_pin_request(&self.mock.client, &self.url(""), user);
        self.mock.send(request).await
    }

    /// A ResetPIN that must succeed; the PIN of the email it sent.
    pub(crate) async fn reset_pin_ok(&self, user: &str) -> String {
        let reply = self.reset_pin(user).await;
        assert_eq!(reply.status, 200, "ResetPIN as {user}: {}", reply.text());
        let email = self.get_json("/__admin/emails/latest").await;
        email["pin"]
            .as_str()
            .unwrap_or_else(|| panic!("no pin in {email}"))
            .to_string()
    }

    /// `body` POSTed as `user` to `path` under this double.
    pub(crate) async fn post_as(
        &self,
        user: &str,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        self.mock.post_as(user, &self.path(path), body).await
    }
}

/// `POST /__admin/sessions` with this body (none when `None`), as it was answered.
pub(crate) async fn create(mock: &Mock, body: Option<Value>) -> Reply {
    mock.admin("POST", "/__admin/sessions", body).await
}

/// A session created with this body, which must succeed: its list entry.
pub(crate) async fn created(mock: &Mock, body: Option<Value>) -> Value {
    let reply = create(mock, body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

/// A scenario for `mailbox`'s ResetPIN answering 503 each time.
fn busy(mailbox: &str) -> Value {
    json!({"mailbox": mailbox, "operation": "ResetPIN", "outcomes": [{"http": 503}], "then": "repeat-last"})
}
