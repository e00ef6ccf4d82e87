//! The JSON form of an outcome: the word `"default"` or one object, [`Form`], read and written
//! by serde. Its field order is the order keys are written in.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::check::{millis_problem, status_problem};
use super::{Action, MailFault, Outcome};
use crate::vocab::wire::NetworkFault;

/// Every key an outcome object may have. At most one of `fixture`, `fault`, `http`, `network`
/// and `mail`/`mail_delay_ms` says what kind it is; none is the default answer (with a delay).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "fixture_text"
    )]
    fixture: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "fixture_status"
    )]
    status: Option<u16>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "fault_text"
    )]
    fault: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "message_text"
    )]
    message: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "http_status"
    )]
    http: Option<u16>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "body_text"
    )]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "word"
    )]
    network: Option<NetworkFault>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "word"
    )]
    mail: Option<MailFault>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "mail_delay"
    )]
    mail_delay_ms: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "delay"
    )]
    delay_ms: Option<u64>,
}

/// The keys that say what kind of outcome an object is.
const KINDS: [&str; 5] = ["fixture", "fault", "http", "network", "mail"];

impl Form {
    fn kind(&self) -> Result<&'static str, String> {
        let present = [
            self.fixture.is_some(),
            self.fault.is_some(),
            self.http.is_some(),
            self.network.is_some(),
            self.mail.is_some() || self.mail_delay_ms.is_some(),
        ];
        let kinds: Vec<&str> = KINDS
            .iter()
            .zip(present)
            .filter_map(|(kind, present)| present.then_some(*kind))
            .collect();
        match kinds.as_slice() {
            [] => Ok("default"),
            [kind] => Ok(kind),
            _ => Err(format!(
                "an outcome takes one of fixture, fault, http, network, mail; found {}",
                kinds.join(" and ")
            )),
        }
    }

    fn into_action(self) -> Result<Action, String> {
        let kind = self.kind()?;
        for (key, present, allowed) in [
            ("status", self.status.is_some(), &["fixture"][..]),
            ("headers", !self.headers.is_empty(), &["fixture", "http"]),
            ("message", self.message.is_some(), &["fault"]),
            ("body", self.body.is_some(), &["http"]),
        ] {
            if present && !allowed.contains(&kind) {
                return Err(format!(
                    "'{key}' goes with {}, not with {kind}",
                    allowed.join(" or ")
                ));
            }
        }
        Ok(match (self.fixture, self.fault, self.http, self.network) {
            (Some(name), ..) => Action::Fixture {
                name,
                status: self.status,
                headers: self.headers,
            },
            (_, Some(exception), ..) => Action::Fault {
                exception,
                message: self.message,
            },
            (_, _, Some(status), _) => Action::Http {
                status,
                body: self.body,
                headers: self.headers,
            },
            (.., Some(fault)) => Action::Network(fault),
            _ if kind == "mail" => Action::Mail {
                fault: self.mail,
                delay_ms: self.mail_delay_ms,
            },
            _ => Action::Default,
        })
    }

    fn from_outcome(outcome: Outcome) -> Form {
        let mut form = Form {
            delay_ms: outcome.delay_ms,
            ..Form::default()
        };
        match outcome.action {
            Action::Default => {}
            Action::Fixture {
                name,
                status,
                headers,
            } => {
                form.fixture = Some(name);
                form.status = status;
                form.headers = headers;
            }
            Action::Fault { exception, message } => {
                form.fault = Some(exception);
                form.message = message;
            }
            Action::Http {
                status,
                body,
                headers,
            } => {
                form.http = Some(status);
                form.body = body;
                form.headers = headers;
            }
            Action::Network(fault) => form.network = Some(fault),
            Action::Mail { fault, delay_ms } => {
                form.mail = fault;
                form.mail_delay_ms = delay_ms;
            }
        }
        form
    }
}

impl TryFrom<Value> for Outcome {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let form: Form = match value {
            Value::String(word) if word == "default" => return Ok(Outcome::default_answer()),
            Value::String(word) => {
                return Err(format!(
                    "unknown outcome '{word}' (the only word form is \"default\")"
                ))
            }
            object @ Value::Object(_) => serde_json::from_value(object).map_err(|e| {
                let message = e.to_string();
                // serde names an unknown field "unknown field `x`, expected one of `a`, …";
                // fixture authors know them as keys.
                match message.strip_prefix("unknown field `") {
                    Some(rest) => {
                        let (key, known) =
                            rest.split_once("`, expected one of ").unwrap_or((rest, ""));
                        format!(
                            "unknown key '{}' in outcome (known: {})",
                            key.trim_end_matches('`'),
                            known.replace('`', "")
                        )
                    }
                    None => message,
                }
            })?,
            other => {
                return Err(format!(
                    "an outcome is \"default\" or an object, not {other}"
                ))
            }
        };
        let delay_ms = form.delay_ms;
        let outcome = Outcome {
            action: form.into_action()?,
            delay_ms,
        };
        match outcome.problems().as_slice() {
            [] => Ok(outcome),
            problems => Err(problems.join("; ")),
        }
    }
}

impl From<Outcome> for Value {
    fn from(outcome: Outcome) -> Value {
        if outcome.action == Action::Default && outcome.delay_ms.is_none() {
            return Value::from("default");
        }
        serde_json::to_value(Form::from_outcome(outcome))
            .expect("a form is plain data with string keys")
    }
}

fn fixture_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text("fixture", d)
}

fn fault_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text("fault", d)
}

fn message_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text("message", d)
}

fn body_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text("body", d)
}

/// A string. `null` is refused as every other key refuses it (leave the key out instead), so
/// the schema and the loader agree on what an outcome is.
fn text<'de, D: Deserializer<'de>>(key: &str, d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::String(text) => Ok(Some(text)),
        other => Err(D::Error::custom(format!(
            "'{key}' must be a string, not {other}"
        ))),
    }
}

fn fixture_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    status("status", d)
}

fn http_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    status("http", d)
}

/// A status code, with the reason fixture authors read when it is not a number.
fn status<'de, D: Deserializer<'de>>(key: &str, d: D) -> Result<Option<u16>, D::Error> {
    let value = Value::deserialize(d)?;
    match value.as_u64().and_then(|code| u16::try_from(code).ok()) {
        Some(code) => Ok(Some(code)),
        None => Err(D::Error::custom(status_problem(key, &value))),
    }
}

fn delay<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    millis("delay_ms", d)
}

fn mail_delay<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    millis("mail_delay_ms", d)
}

/// Whole milliseconds (the range is checked with the rest, in `check`).
fn millis<'de, D: Deserializer<'de>>(key: &str, d: D) -> Result<Option<u64>, D::Error> {
    let value = Value::deserialize(d)?;
    match value.as_u64() {
        Some(ms) => Ok(Some(ms)),
        None => Err(D::Error::custom(millis_problem(key, &value))),
    }
}

/// One of an enum's words, with every word listed when it is not one.
fn word<'de, D: Deserializer<'de>, T: DeserializeOwned + Words>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    T::deserialize(&value).map(Some).map_err(|_| {
        D::Error::custom(format!(
            "'{}' must be {}, not {value}",
            T::KEY,
            T::WORDS.join(" or ")
        ))
    })
}

/// The words an enum-valued key takes, for its error message.
trait Words {
    const KEY: &'static str;
    const WORDS: &'static [&'static str];
}

impl Words for NetworkFault {
    const KEY: &'static str = "network";
    const WORDS: &'static [&'static str] = &["\"reset\"", "\"close\"", "\"garbage\"", "\"hang\""];
}

impl Words for MailFault {
    const KEY: &'static str = "mail";
    const WORDS: &'static [&'static str] = &["\"drop\"", "\"duplicate\""];
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
}
