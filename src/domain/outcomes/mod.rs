//! Scripted outcomes: what the double answers instead of (or on top of) its own behaviour, and
//! the scenarios that hand them out in order per mailbox and operation.
//!
//! An [`Outcome`] reads and writes exactly the JSON forms of the fixture file and the admin API
//! (`"default"`, `{"fixture": …}`, `{"fault": …}`, `{"http": …}`, `{"network": …}`,
//! `{"mail": …}`, each with an optional `delay_ms`): [`form`] is that JSON form, [`check`] the
//! one validation JSON and code-built outcomes share, [`scenario`] and [`book`] the scripts.
//! What an outcome does to the state is carried out under the lock, in `state::answer`.

mod book;
mod check;
mod form;
mod scenario;
mod schema;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::vocab::wire::NetworkFault;

pub(crate) use book::{
    Full, ScenarioBook, MAX_ACTIVE, MAX_FIXTURE_OUTCOME_BYTES, MAX_SCENARIO_BYTES,
};
pub use scenario::{Scenario, Then};

/// What goes wrong with the PIN email of a ResetPIN that succeeds.
///
/// ```
/// use exchange_um_mock::{MailFault, Outcome};
///
/// // Arrange, Act
/// let lost = Outcome::mail(MailFault::Drop);
///
/// // Assert
/// assert_eq!(serde_json::to_value(&lost).unwrap(), serde_json::json!({"mail": "drop"}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MailFault {
    /// The email is never captured.
    Drop,
    /// The email is captured twice (two ids, same content).
    Duplicate,
}

/// What to answer one request with. Build one with the constructors, or parse the JSON form.
///
/// ```
/// use exchange_um_mock::{NetworkFault, Outcome};
///
/// let busy = Outcome::fixture("ResetPIN/server-busy");
/// let slow_reset = Outcome::network(NetworkFault::Reset).with_delay_ms(250);
/// assert_eq!(serde_json::to_value(&slow_reset).unwrap(), serde_json::json!({"network": "reset", "delay_ms": 250}));
/// assert_eq!(serde_json::to_value(&busy).unwrap(), serde_json::json!({"fixture": "ResetPIN/server-busy"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub struct Outcome {
    pub(crate) action: Action,
    pub(crate) delay_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Default,
    Fixture {
        name: String,
        status: Option<u16>,
        headers: BTreeMap<String, String>,
    },
    Fault {
        exception: String,
        message: Option<String>,
    },
    Http {
        status: u16,
        body: Option<String>,
        headers: BTreeMap<String, String>,
    },
    Network(NetworkFault),
    Mail {
        fault: Option<MailFault>,
        delay_ms: Option<u64>,
    },
}

/// Longest scripted delay: one hour is longer than any client timeout worth testing.
const MAX_DELAY_MS: u64 = 3_600_000;

impl Outcome {
    fn new(action: Action) -> Self {
        Outcome {
            action,
            delay_ms: None,
        }
    }
    /// `"default"`: what the double does by itself from mailbox state.
    pub fn default_answer() -> Self {
        Self::new(Action::Default)
    }
    /// `{"fixture": name}`: replay `responses/<name>.xml` byte for byte.
    pub fn fixture(name: impl Into<String>) -> Self {
        Self::new(Action::Fixture {
            name: name.into(),
            status: None,
            headers: BTreeMap::new(),
        })
    }
    /// `{"fault": exception}`: a generated UM fault of that exception name.
    pub fn fault(exception: impl Into<String>) -> Self {
        Self::new(Action::Fault {
            exception: exception.into(),
            message: None,
        })
    }
    /// `{"http": status}`: a plain HTTP answer, no SOAP.
    pub fn http(status: u16) -> Self {
        Self::new(Action::Http {
            status,
            body: None,
            headers: BTreeMap::new(),
        })
    }
    /// `{"network": …}`: a connection-level failure.
    pub fn network(fault: NetworkFault) -> Self {
        Self::new(Action::Network(fault))
    }
    /// `{"mail": …}`: ResetPIN succeeds but its email is dropped or duplicated.
    pub fn mail(fault: MailFault) -> Self {
        Self::new(Action::Mail {
            fault: Some(fault),
            delay_ms: None,
        })
    }
    /// `{"mail_delay_ms": N}`: ResetPIN succeeds, its email is captured `ms` later.
    pub fn mail_delay_ms(ms: u64) -> Self {
        Self::new(Action::Mail {
            fault: None,
            delay_ms: Some(ms),
        })
    }
    /// Answer `ms` milliseconds late (`delay_ms`).
    pub fn with_delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }
    /// Adds `message` to a `fault` outcome (ignored by other forms).
    pub fn with_message(mut self, text: impl Into<String>) -> Self {
        if let Action::Fault { message, .. } = &mut self.action {
            *message = Some(text.into());
        }
        self
    }
    /// Sets the body of an `http` outcome (ignored by other forms).
    pub fn with_body(mut self, text: impl Into<String>) -> Self {
        if let Action::Http { body, .. } = &mut self.action {
            *body = Some(text.into());
        }
        self
    }
    /// Sets the HTTP status of a `fixture` or `http` outcome (ignored by other forms).
    pub fn with_status(mut self, code: u16) -> Self {
        match &mut self.action {
            Action::Fixture { status, .. } => *status = Some(code),
            Action::Http { status, .. } => *status = code,
            _ => {}
        }
        self
    }
    /// Adds a response header to a `fixture` or `http` outcome (ignored by other forms).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Action::Fixture { headers, .. } | Action::Http { headers, .. } = &mut self.action {
            headers.insert(name.into(), value.into());
        }
        self
    }

    /// The fixture file this outcome replays, if any.
    pub(crate) fn fixture_name(&self) -> Option<&str> {
        match &self.action {
            Action::Fixture { name, .. } => Some(name),
            _ => None,
        }
    }
}
