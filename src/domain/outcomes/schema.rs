//! The JSON Schema of an outcome, written by hand because its serde form is read through
//! `TryFrom<Value>` (`form.rs`): the word `"default"`, or one object with at most one of the
//! keys that say what kind it is, and each companion key only beside the kind it goes with.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::json;

use super::{Outcome, MAX_DELAY_MS};
use crate::domain::patterns;
use crate::vocab::Operation;

impl JsonSchema for Outcome {
    fn schema_name() -> Cow<'static, str> {
        "Outcome".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let millis = |what: &str| json!({ "type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS, "description": what });
        let status = |what: &str| json!({ "type": "integer", "minimum": 200, "maximum": 599, "description": what });
        // Each kind key rules out the others (`mail` and `mail_delay_ms` are one kind).
        let kinds = ["fixture", "fault", "http", "network", "mail"];
        let others = |kind: &str| -> serde_json::Value {
            let mut map = serde_json::Map::new();
            for other in kinds.iter().filter(|k| **k != kind) {
                map.insert((*other).into(), false.into());
                if *other == "mail" {
                    map.insert("mail_delay_ms".into(), false.into());
                }
            }
            json!({ "properties": map })
        };
        let either = |keys: &[&str]| -> serde_json::Value {
            json!({ "anyOf": keys.iter().map(|k| json!({ "required": [k] })).collect::<Vec<_>>() })
        };
        json_schema!({
            "description": "What to answer one request with: \"default\" (what the double does by itself), or one object. An object takes at most one of fixture, fault, http, network, mail/mail_delay_ms; with none of them it is the default answer after delay_ms.",
            "oneOf": [
                { "const": "default", "description": "What the double does by itself from mailbox state." },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "fixture": {
                            "type": "string",
                            "pattern": "^[A-Za-z]+/[^/]+$",
                            "description": "Replay responses/<Operation>/<name>.xml, e.g. ResetPIN/server-busy; the folder is the scenario's operation."
                        },
                        "status": status("The HTTP status of a replayed fixture (default: 500 for a fault, 200 otherwise)."),
                        "fault": {
                            "type": "string",
                            "pattern": patterns::EXCEPTION_NAME,
                            "description": "A generated UM fault of this exception name, e.g. UserNotUmEnabledException."
                        },
                        "message": { "type": "string", "pattern": patterns::xml_text(), "description": "The generated fault's message." },
                        "http": status("A plain HTTP answer of this status, no SOAP (IIS-style errors)."),
                        "body": { "type": "string", "description": "The plain HTTP answer's body." },
                        "headers": {
                            "type": "object",
                            "propertyNames": { "pattern": patterns::SCRIPTED_HEADER_NAME },
                            "additionalProperties": { "type": "string", "pattern": patterns::HEADER_VALUE },
                            "description": "Response headers of a fixture or http answer (not Content-Length or Transfer-Encoding)."
                        },
                        "network": {
                            "enum": ["reset", "close", "garbage", "hang"],
                            "description": "A connection-level fault: RST, close with no response, random bytes then close, never answer."
                        },
                        "mail": {
                            "enum": ["drop", "duplicate"],
                            "description": "ResetPIN succeeds, but its PIN email is lost or captured twice."
                        },
                        "mail_delay_ms": millis("ResetPIN succeeds, and its PIN email is captured this many milliseconds later."),
                        "delay_ms": millis("Answer after this many milliseconds.")
                    },
                    "allOf": [
                        // A 204 or 304 answer has no body, so a body would never be sent.
                        {
                            "if": { "properties": { "http": { "enum": [204, 304] } }, "required": ["http", "body"] },
                            "then": { "properties": { "body": { "maxLength": 0 } } }
                        },
                        // Headers go only with a fixture or an http answer; none at all is no header.
                        {
                            "if": { "properties": { "headers": { "minProperties": 1 } }, "required": ["headers"] },
                            "then": either(&["fixture", "http"])
                        }
                    ],
                    "dependentSchemas": {
                        "fixture": others("fixture"),
                        "fault": others("fault"),
                        "http": others("http"),
                        "network": others("network"),
                        "mail": others("mail"),
                        "mail_delay_ms": others("mail"),
                        "status": either(&["fixture"]),
                        "message": either(&["fault"]),
                        "body": either(&["http"])
                    }
                }
            ]
        })
    }
}

/// The schema of a scenario's `operation`: an operation name or `*`.
pub(super) fn operation_schema(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<&str> = vec!["*"];
    names.extend(Operation::ALL.iter().map(|op| op.name()));
    json_schema!({
        "type": "string",
        "enum": names,
        "description": "An operation name (ResetPIN), or * for every operation."
    })
}
