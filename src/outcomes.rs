//! Scripted outcomes: what the double answers instead of (or on top of) its own behaviour, and
//! the scenarios that hand them out in order per mailbox and operation.
//!
//! An [`Outcome`] reads and writes exactly the JSON forms of the fixture file and the admin API
//! (`"default"`, `{"fixture": …}`, `{"fault": …}`, `{"http": …}`, `{"network": …}`,
//! `{"mail": …}`, each with an optional `delay_ms`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::operations::Operation;
use crate::soap::read::is_xml_char;

/// A connection-level failure.
///
/// ```
/// use exchange_um_mock::{NetworkFault, Outcome};
///
/// // Arrange, Act
/// let outcome = Outcome::network(NetworkFault::Close);
///
/// // Assert
/// assert_eq!(serde_json::to_value(&outcome).unwrap(), serde_json::json!({"network": "close"}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkFault {
    /// Reset the TCP connection (RST) without answering.
    Reset,
    /// Close the connection (FIN) without answering.
    Close,
    /// Write random bytes that are not HTTP, then close.
    Garbage,
    /// Never answer; the connection stays open until the client gives up or the server stops.
    Hang,
}

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
#[serde(try_from = "Value", into = "Value")]
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

impl Outcome {
    /// Every reason this outcome cannot be given as it is. The JSON form is checked when
    /// parsed; an outcome built in code is checked when its scenario is added.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.action {
            Action::Fixture {
                status, headers, ..
            } => {
                if let Some(code) = status.filter(|c| !FINAL_STATUSES.contains(c)) {
                    out.push(status_problem("status", code));
                }
                out.extend(headers.iter().filter_map(|(n, v)| header_problem(n, v)));
            }
            Action::Http {
                status,
                body,
                headers,
            } => {
                if !FINAL_STATUSES.contains(status) {
                    out.push(status_problem("http", status));
                }
                if matches!(status, 204 | 304) && body.as_ref().is_some_and(|b| !b.is_empty()) {
                    out.push(format!(
                        "a {status} answer has no body, so 'body' would never be sent"
                    ));
                }
                out.extend(headers.iter().filter_map(|(n, v)| header_problem(n, v)));
            }
            Action::Fault { exception, message } => {
                let name_ok = !exception.is_empty()
                    && exception
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !name_ok {
                    out.push(format!(
                        "'fault' must be an exception name such as UserNotUmEnabledException, not '{exception}'"
                    ));
                }
                // The message is written into the fault's XML.
                if let Some(c) = message
                    .as_ref()
                    .and_then(|m| m.chars().find(|c| !is_xml_char(*c)))
                {
                    out.push(format!(
                        "'message' holds U+{:04X}, which XML cannot hold",
                        u32::from(c)
                    ));
                }
            }
            Action::Default | Action::Network(_) | Action::Mail { .. } => {}
        }
        out
    }
}

impl From<Outcome> for Value {
    fn from(outcome: Outcome) -> Value {
        let mut map = Map::new();
        let headers_value = |h: BTreeMap<String, String>| {
            Value::Object(h.into_iter().map(|(k, v)| (k, v.into())).collect())
        };
        match outcome.action {
            Action::Default if outcome.delay_ms.is_none() => return Value::from("default"),
            Action::Default => {}
            Action::Fixture {
                name,
                status,
                headers,
            } => {
                map.insert("fixture".into(), name.into());
                if let Some(status) = status {
                    map.insert("status".into(), status.into());
                }
                if !headers.is_empty() {
                    map.insert("headers".into(), headers_value(headers));
                }
            }
            Action::Fault { exception, message } => {
                map.insert("fault".into(), exception.into());
                if let Some(message) = message {
                    map.insert("message".into(), message.into());
                }
            }
            Action::Http {
                status,
                body,
                headers,
            } => {
                map.insert("http".into(), status.into());
                if let Some(body) = body {
                    map.insert("body".into(), body.into());
                }
                if !headers.is_empty() {
                    map.insert("headers".into(), headers_value(headers));
                }
            }
            Action::Network(fault) => {
                map.insert(
                    "network".into(),
                    serde_json::to_value(fault).expect("a unit enum serialises"),
                );
            }
            Action::Mail { fault, delay_ms } => {
                if let Some(fault) = fault {
                    map.insert(
                        "mail".into(),
                        serde_json::to_value(fault).expect("a unit enum serialises"),
                    );
                }
                if let Some(ms) = delay_ms {
                    map.insert("mail_delay_ms".into(), ms.into());
                }
            }
        }
        if let Some(ms) = outcome.delay_ms {
            map.insert("delay_ms".into(), ms.into());
        }
        Value::Object(map)
    }
}

const KINDS: [&str; 5] = ["fixture", "fault", "http", "network", "mail"];
const KEYS: [&str; 11] = [
    "fixture",
    "status",
    "headers",
    "fault",
    "message",
    "http",
    "body",
    "network",
    "mail",
    "mail_delay_ms",
    "delay_ms",
];

impl TryFrom<Value> for Outcome {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let map = match value {
            Value::String(word) if word == "default" => return Ok(Outcome::default_answer()),
            Value::String(word) => {
                return Err(format!(
                    "unknown outcome '{word}' (the only word form is \"default\")"
                ))
            }
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "an outcome is \"default\" or an object, not {other}"
                ))
            }
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown key '{key}' in outcome (known: {})",
                KEYS.join(", ")
            ));
        }
        let has = |k: &str| map.contains_key(k);
        let kinds: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| has(k) || (*k == "mail" && has("mail_delay_ms")))
            .collect();
        if kinds.len() > 1 {
            return Err(format!(
                "an outcome takes one of fixture, fault, http, network, mail; found {}",
                kinds.join(" and ")
            ));
        }
        let kind = kinds.first().copied().unwrap_or("default");
        for (key, allowed) in [
            ("status", &["fixture"][..]),
            ("headers", &["fixture", "http"]),
            ("message", &["fault"]),
            ("body", &["http"]),
        ] {
            if has(key) && !allowed.contains(&kind) {
                return Err(format!(
                    "'{key}' goes with {}, not with {kind}",
                    allowed.join(" or ")
                ));
            }
        }
        let action = match kind {
            "fixture" => Action::Fixture {
                name: string(&map, "fixture")?.ok_or("'fixture' must be a string")?,
                status: status(&map, "status")?,
                headers: headers(&map)?,
            },
            "fault" => Action::Fault {
                exception: string(&map, "fault")?.ok_or("'fault' must be a string")?,
                message: string(&map, "message")?,
            },
            "http" => Action::Http {
                status: status(&map, "http")?.ok_or("'http' must be a status code")?,
                body: string(&map, "body")?,
                headers: headers(&map)?,
            },
            "network" => {
                Action::Network(serde_json::from_value(map["network"].clone()).map_err(|_| {
                    format!(
                        "'network' must be \"reset\", \"close\", \"garbage\" or \"hang\", not {}",
                        map["network"]
                    )
                })?)
            }
            "mail" => Action::Mail {
                fault: match map.get("mail") {
                    None => None,
                    Some(v) => Some(serde_json::from_value(v.clone()).map_err(|_| {
                        format!("'mail' must be \"drop\" or \"duplicate\", not {v}")
                    })?),
                },
                delay_ms: millis(&map, "mail_delay_ms")?,
            },
            _ => Action::Default,
        };
        let outcome = Outcome {
            action,
            delay_ms: millis(&map, "delay_ms")?,
        };
        match outcome.problems().as_slice() {
            [] => Ok(outcome),
            problems => Err(problems.join("; ")),
        }
    }
}

fn string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("'{key}' must be a string, not {other}")),
    }
}

/// Statuses a scripted answer may have: a final response. A 1xx is not one (hyper turns 100
/// into an empty 500 and 101 into a protocol switch), so the client would never see it.
const FINAL_STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

fn status(map: &Map<String, Value>, key: &str) -> Result<Option<u16>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64().and_then(|code| u16::try_from(code).ok()) {
            Some(code) => Ok(Some(code)),
            None => Err(status_problem(key, v)),
        },
    }
}

fn status_problem(key: &str, value: impl std::fmt::Display) -> String {
    format!(
        "'{key}' must be an HTTP status from {} to {}, not {value}",
        FINAL_STATUSES.start(),
        FINAL_STATUSES.end()
    )
}

fn millis(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(ms) if ms <= MAX_DELAY_MS => Ok(Some(ms)),
            _ => Err(format!(
                "'{key}' must be whole milliseconds from 0 to {MAX_DELAY_MS}, not {v}"
            )),
        },
    }
}

fn headers(map: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    let Some(value) = map.get("headers") else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(entries) = value else {
        return Err(format!(
            "'headers' must be an object of strings, not {value}"
        ));
    };
    let mut out = BTreeMap::new();
    for (name, value) in entries {
        let Value::String(value) = value else {
            return Err(format!("header '{name}' must be a string, not {value}"));
        };
        out.insert(name.clone(), value.clone());
    }
    Ok(out)
}

/// Headers that frame the body: the double sets them from the body it sends. A scripted one
/// that disagrees would break the response (hyper even asserts on it in debug builds).
const FRAMING_HEADERS: [&str; 2] = ["Content-Length", "Transfer-Encoding"];

/// Why a scripted response header cannot be sent, if it cannot.
fn header_problem(name: &str, value: &str) -> Option<String> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some(format!("'{name}' is not a valid HTTP header name"));
    }
    if http::HeaderValue::from_str(value).is_err() {
        return Some(format!(
            "the value of header '{name}' is not a valid HTTP header value"
        ));
    }
    if FRAMING_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Some(format!(
            "header '{name}' cannot be scripted: the double frames the body itself"
        ));
    }
    None
}

/// What happens after a scenario has given every outcome of its list.
///
/// ```
/// use exchange_um_mock::{Outcome, Scenario, Then};
///
/// // Arrange, Act: always 503 for dave.
/// let down = Scenario::new("dave@contoso.com", "*").outcome(Outcome::http(503)).then(Then::RepeatLast);
///
/// // Assert
/// assert_eq!(serde_json::to_value(&down).unwrap()["then"], "repeat-last");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Then {
    /// The scenario retires; the double answers by itself again.
    #[default]
    Default,
    /// The last outcome is given again and again.
    RepeatLast,
    /// The list starts over.
    Cycle,
}

/// A script of outcomes for one mailbox (or `*`) and one operation (or `*`).
///
/// Serialises to the admin API's scenario JSON; the fields filled in by the server (`id`,
/// `remaining`, `given`) are ignored when adding one.
///
/// ```
/// use exchange_um_mock::{Outcome, Scenario, Then};
///
/// let flaky = Scenario::new("dave@contoso.com", "ResetPIN")
///     .outcome(Outcome::fixture("ResetPIN/server-busy"))
///     .outcome(Outcome::default_answer())
///     .then(Then::Default);
/// assert_eq!(flaky.outcomes.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scenario {
    /// Given by the server when the scenario is stored. Accepted and ignored when adding one,
    /// so that a scenario as listed can be posted back (the same for `remaining` and `given`).
    #[serde(default)]
    pub id: u64,
    /// An SMTP address, or `*` for every mailbox.
    pub mailbox: String,
    /// An operation name (`ResetPIN`), or `*` for every operation.
    pub operation: String,
    /// The outcomes, given one per matching request, in order.
    pub outcomes: Vec<Outcome>,
    /// The outcomes still to give before `then` applies.
    #[serde(default)]
    pub remaining: Vec<Outcome>,
    /// What happens after the list.
    #[serde(default)]
    pub then: Then,
    /// How many outcomes this scenario has given so far.
    #[serde(default)]
    pub given: u64,
}

impl Scenario {
    /// An empty script for `mailbox` (or `*`) and `operation` (or `*`).
    pub fn new(mailbox: impl Into<String>, operation: impl Into<String>) -> Self {
        Scenario {
            id: 0,
            mailbox: mailbox.into(),
            operation: operation.into(),
            outcomes: Vec::new(),
            remaining: Vec::new(),
            then: Then::Default,
            given: 0,
        }
    }
    /// Appends an outcome to the list.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcomes.push(outcome);
        self
    }
    /// Sets what happens after the list.
    pub fn then(mut self, then: Then) -> Self {
        self.then = then;
        self
    }

    /// Problems with the scenario's own shape, as (key, problem). References to fixture files
    /// and mailboxes are checked by the caller, who knows them.
    pub(crate) fn shape_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.operation != "*" && Operation::from_name(&self.operation).is_none() {
            out.push((
                "operation".into(),
                format!("unknown operation '{}'", self.operation),
            ));
        }
        if self.outcomes.is_empty() {
            out.push(("outcomes".into(), "must list at least one outcome".into()));
        }
        for (i, outcome) in self.outcomes.iter().enumerate() {
            for problem in outcome.problems() {
                out.push((format!("outcomes[{i}]"), problem));
            }
            if let Some(name) = outcome.fixture_name() {
                let folder = name.split('/').next().unwrap_or_default();
                if self.operation != "*" && folder != self.operation {
                    out.push((
                        format!("outcomes[{i}].fixture"),
                        format!(
                            "'{name}' is a {folder} response, but the scenario is for {}",
                            self.operation
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// The scenarios in force, oldest first (consulted newest first).
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioBook {
    list: Vec<Scenario>,
    next_id: u64,
}

impl ScenarioBook {
    /// Stores a scenario under a new id (ids are never reused) and returns the stored form.
    pub(crate) fn add(&mut self, mut scenario: Scenario) -> Scenario {
        self.next_id += 1;
        scenario.id = self.next_id;
        scenario.given = 0;
        scenario.remaining = scenario.outcomes.clone();
        self.list.push(scenario.clone());
        scenario
    }

    /// A book holding `scenarios` under ids that continue this book's count, so an id never
    /// names two different scenarios over a server's life.
    pub(crate) fn successor(&self, scenarios: &[Scenario]) -> ScenarioBook {
        let mut book = ScenarioBook {
            list: Vec::new(),
            next_id: self.next_id,
        };
        for scenario in scenarios {
            book.add(scenario.clone());
        }
        book
    }

    /// Replaces every scenario with `loaded`, keeping their ids, and keeps counting ids.
    pub(crate) fn restore(&mut self, loaded: &ScenarioBook) {
        self.list = loaded.list.clone();
        self.next_id = self.next_id.max(loaded.next_id);
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.list.len();
        self.list.retain(|s| s.id != id);
        self.list.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Newest first, as the admin API lists them.
    pub(crate) fn newest_first(&self) -> Vec<Scenario> {
        self.list.iter().rev().cloned().collect()
    }

    /// The next outcome for this request from the newest matching scenario that still has one,
    /// with that scenario's id.
    pub(crate) fn take(&mut self, mailbox: &str, operation: Operation) -> Option<(u64, Outcome)> {
        self.list.iter_mut().rev().find_map(|s| {
            let mailbox_matches = s.mailbox == "*" || s.mailbox.eq_ignore_ascii_case(mailbox);
            let operation_matches = s.operation == "*" || s.operation == operation.name();
            if !(mailbox_matches && operation_matches) {
                return None;
            }
            let outcome = next_outcome(s)?;
            s.given += 1;
            s.remaining = upcoming(s);
            Some((s.id, outcome))
        })
    }
}

/// What the scenario gives next, in order, until its list ends or starts over: the rest of the
/// list; past it, the last outcome for `repeat-last` and the rest of the round for `cycle`.
fn upcoming(s: &Scenario) -> Vec<Outcome> {
    let (len, given) = (s.outcomes.len(), s.given as usize);
    match s.then {
        _ if given < len || len == 0 => s.outcomes[given.min(len)..].to_vec(),
        Then::Default => Vec::new(),
        Then::RepeatLast => s.outcomes[len - 1..].to_vec(),
        Then::Cycle => s.outcomes[given % len..].to_vec(),
    }
}

fn next_outcome(s: &Scenario) -> Option<Outcome> {
    let given = s.given as usize;
    if given < s.outcomes.len() {
        return Some(s.outcomes[given].clone());
    }
    match s.then {
        Then::Default => None,
        Then::RepeatLast => s.outcomes.last().cloned(),
        Then::Cycle => s.outcomes.get(given % s.outcomes.len().max(1)).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Outcome, String> {
        Outcome::try_from(v)
    }

    #[test]
    fn every_json_form_round_trips() {
        for form in [
            json!("default"),
            json!({"delay_ms": 3000}),
            json!({"fixture": "ResetPIN/server-busy", "status": 503, "headers": {"Retry-After": "5"}}),
            json!({"fault": "UserNotUmEnabledException", "message": "nope"}),
            json!({"http": 503, "body": "Service Unavailable", "headers": {"Retry-After": "1"}}),
            json!({"network": "reset"}),
            json!({"network": "hang", "delay_ms": 5}),
            json!({"mail": "drop"}),
            json!({"mail": "duplicate", "mail_delay_ms": 200}),
            json!({"mail_delay_ms": 200}),
        ] {
            let outcome = parse(form.clone()).unwrap();
            assert_eq!(Value::from(outcome), form);
        }
    }

    #[test]
    fn bad_forms_say_what_is_wrong() {
        let cases = [
            (json!("defualt"), "unknown outcome 'defualt'"),
            (
                json!({"fixture": "a", "fault": "b"}),
                "found fixture and fault",
            ),
            (json!({"fautl": "X"}), "unknown key 'fautl'"),
            (json!({"http": 700}), "'http' must be an HTTP status"),
            (json!({"network": "explode"}), "'network' must be"),
            (json!({"fault": "X", "body": "y"}), "'body' goes with http"),
            (
                json!({"http": 503, "headers": {"bad header": "x"}}),
                "not a valid HTTP header name",
            ),
            (
                json!({"delay_ms": -1}),
                "'delay_ms' must be whole milliseconds",
            ),
        ];
        for (form, expected) in cases {
            let err = parse(form.clone()).unwrap_err();
            assert!(err.contains(expected), "{form}: {err}");
        }
    }

    #[test]
    fn a_status_built_in_code_that_cannot_be_a_final_answer_is_a_problem() {
        for outcome in [
            Outcome::http(42),
            Outcome::http(101),
            Outcome::fixture("ResetPIN/success").with_status(100),
        ] {
            let scenario = Scenario::new("*", "ResetPIN").outcome(outcome.clone());

            let problems = scenario.shape_problems();

            assert!(
                problems
                    .iter()
                    .any(|(key, problem)| key == "outcomes[0]" && problem.contains("200 to 599")),
                "{outcome:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_framing_header_built_in_code_is_a_problem() {
        let outcome = Outcome::http(200)
            .with_body("hello")
            .with_header("Content-Length", "100");
        let scenario = Scenario::new("*", "ResetPIN").outcome(outcome);

        let problems = scenario.shape_problems();

        assert!(
            problems
                .iter()
                .any(|(key, problem)| key == "outcomes[0]" && problem.contains("Content-Length")),
            "{problems:?}"
        );
    }

    fn book_with(outcomes: Vec<Outcome>, then: Then) -> ScenarioBook {
        let mut book = ScenarioBook::default();
        let mut s = Scenario::new("dave@contoso.com", "ResetPIN").then(then);
        s.outcomes = outcomes;
        book.add(s);
        book
    }

    fn kinds(book: &mut ScenarioBook, n: usize) -> Vec<Option<u16>> {
        (0..n)
            .map(|_| {
                book.take("DAVE@contoso.com", Operation::ResetPin)
                    .map(|(_, o)| match o.action {
                        Action::Http { status, .. } => status,
                        _ => 0,
                    })
            })
            .collect()
    }

    #[test]
    fn then_default_retires_repeat_last_repeats_and_cycle_starts_over() {
        let two = || vec![Outcome::http(500), Outcome::http(503)];
        assert_eq!(
            kinds(&mut book_with(two(), Then::Default), 3),
            [Some(500), Some(503), None]
        );
        assert_eq!(
            kinds(&mut book_with(two(), Then::RepeatLast), 4),
            [Some(500), Some(503), Some(503), Some(503)]
        );
        assert_eq!(
            kinds(&mut book_with(two(), Then::Cycle), 5),
            [Some(500), Some(503), Some(500), Some(503), Some(500)]
        );
    }

    #[test]
    fn remaining_shows_what_comes_next_for_every_then() {
        let remaining_after = |then, takes| {
            let mut book = book_with(
                vec![Outcome::http(500), Outcome::http(502), Outcome::http(503)],
                then,
            );
            kinds(&mut book, takes);
            let statuses: Vec<u16> = book.newest_first()[0]
                .remaining
                .iter()
                .map(|o| match o.action {
                    Action::Http { status, .. } => status,
                    _ => 0,
                })
                .collect();
            statuses
        };
        assert_eq!(remaining_after(Then::Default, 1), [502, 503]);
        assert_eq!(remaining_after(Then::Default, 3), [0u16; 0]);
        assert_eq!(
            remaining_after(Then::RepeatLast, 4),
            [503],
            "the last outcome keeps coming"
        );
        assert_eq!(
            remaining_after(Then::Cycle, 4),
            [502, 503],
            "the rest of the second round"
        );
    }

    #[test]
    fn values_that_could_never_be_sent_are_problems() {
        assert!(Outcome::http(204).with_body("x").problems()[0].contains("has no body"));
        assert!(Outcome::fault("X").with_message("bad \u{1}").problems()[0].contains("U+0001"));
        assert!(Outcome::fault("not a name").problems()[0].contains("exception name"));
        assert!(Outcome::http(204).problems().is_empty());
    }

    #[test]
    fn the_newest_matching_scenario_decides_and_wildcards_match() {
        let mut book = book_with(vec![Outcome::http(500)], Then::RepeatLast);
        let mut newer = Scenario::new("*", "*").outcome(Outcome::http(418));
        newer.then = Then::Default;
        book.add(newer);
        assert_eq!(kinds(&mut book, 3), [Some(418), Some(500), Some(500)]);
        assert!(book.take("someone@else", Operation::IsUmEnabled).is_none());
    }
}
