//! The JSON shapes of the admin API's bodies and answers, for `components/schemas`. The
//! resources the library also returns (emails, requests, mailboxes, scenarios, outcomes, PATCH
//! bodies) are generated from their Rust types, so the description cannot drift from what is
//! served; the small envelopes around them are written here.

use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use crate::domain::journal::RecordedRequest;
use crate::domain::mail::Email;
use crate::domain::mailbox::{MailboxPatch, MailboxState};
use crate::domain::outcomes::Scenario;
use crate::state::SessionEntry;

/// Every schema under `components/schemas`, by name.
pub(super) fn schemas() -> Map<String, Value> {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut generator = SchemaGenerator::new(settings);
    // Each call files its type (and the types it uses) under its Rust name: `Email`,
    // `RecordedRequest`, `MailboxState`, `MailboxPatch`, `Scenario`, `Outcome`, …
    generator.subschema_for::<Email>();
    generator.subschema_for::<RecordedRequest>();
    generator.subschema_for::<MailboxState>();
    generator.subschema_for::<MailboxPatch>();
    generator.subschema_for::<Scenario>();
    generator.subschema_for::<SessionEntry>();
    let mut out = generator.take_definitions(true);
    for schema in out.values_mut() {
        for_json_readers(schema);
    }
    for (name, schema) in written() {
        out.insert(name.into(), schema);
    }
    out
}

/// Rewrites every `description` under `schema`, taken from a Rust doc comment, for a reader of
/// the JSON: no code examples (they are Rust), no intra-doc links, and `null` where the doc
/// says `None`, since client generators copy descriptions into the code they write.
fn for_json_readers(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = plain(text),
                    _ => for_json_readers(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(for_json_readers),
        _ => {}
    }
}

/// `doc` without fenced code blocks and link definitions, its links reduced to their text,
/// and `None` / `Some(None)` said as JSON says them.
fn plain(doc: &str) -> String {
    let mut lines = Vec::new();
    let mut in_code = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        // `[name]: path` lines define where an intra-doc link goes.
        let definition = line.starts_with('[') && line.contains("]: ");
        if !in_code && !definition {
            lines.push(line);
        }
    }
    let mut text = lines.join("\n").trim().to_string();
    // Intra-doc links, [`Name`] and [`Name`](path), become `Name`; other brackets (a list
    // index, "[redacted]") stay.
    let mut from = 0;
    while let Some(start) = text[from..].find("[`").map(|i| from + i) {
        let Some(close) = text[start..].find("`]").map(|i| start + i + 1) else {
            break;
        };
        let label = text[start + 1..close].to_string();
        let mut end = close + 1;
        if text[end..].starts_with('(') {
            if let Some(i) = text[end..].find(')') {
                end += i + 1;
            }
        }
        text.replace_range(start..end, &label);
        from = start + label.len();
    }
    text.replace("`Some(None)`", "`null`")
        .replace("`None` (`null`)", "`null`")
        .replace("`None`", "`null`")
}

fn written() -> [(&'static str, Value); 13] {
    let count = |what: &str| json!({ "type": "integer", "minimum": 0, "description": what });
    let list = |key: &str, item: &str, evicted: bool| {
        let mut properties = json!({
            "total": count("How many match the filters, before `limit`."),
            key: { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } }
        });
        let mut required = vec!["total", key];
        if evicted {
            properties["evicted"] =
                count("Entries dropped for capacity since start or the last clear or reset.");
            required.push("evicted");
        }
        json!({ "type": "object", "properties": properties, "required": required })
    };
    let time = |what: &str| json!({ "type": "string", "format": "date-time", "description": what });
    [
        ("EmailList", list("emails", "Email", true)),
        ("RequestList", list("requests", "RecordedRequest", true)),
        ("MailboxList", list("mailboxes", "MailboxState", false)),
        ("CallList", list("calls", "Call", false)),
        ("SessionList", list("sessions", "SessionEntry", false)),
        (
            "NewSession",
            json!({
                "type": "object",
                "description": "A new session; every key may be left out.",
                "properties": {
                    "name": { "type": ["string", "null"], "maxLength": 256, "description": "A name to show in lists and the web inbox." },
                    "seed": { "type": ["integer", "null"], "minimum": 0, "description": "The PIN generator's seed; the server's --seed when left out." },
                    "fixtures": { "type": "object", "description": "A mock.json object of its own, checked as validate checks one; the server's fixtures when left out." }
                },
                "additionalProperties": false
            }),
        ),
        (
            "ScenarioList",
            json!({
                "type": "object",
                "description": "Scenarios, newest first (the order they are consulted in).",
                "properties": { "scenarios": { "type": "array", "items": { "$ref": "#/components/schemas/Scenario" } } },
                "required": ["scenarios"]
            }),
        ),
        (
            "Error",
            json!({
                "type": "object",
                "description": "Every admin error: what went wrong, and for fixtures, PATCH and PIN changes each problem on its own.",
                "properties": {
                    "error": { "type": "string", "description": "One sentence saying what is wrong (which parameter, key or value)." },
                    "problems": { "type": "array", "items": { "type": "string" }, "description": "Every problem, when there can be several." }
                },
                "required": ["error"]
            }),
        ),
        (
            "Health",
            json!({
                "type": "object",
                "properties": { "status": { "const": "ok" }, "version": { "type": "string" } },
                "required": ["status", "version"]
            }),
        ),
        (
            "Info",
            json!({
                "type": "object",
                "description": "What the web inbox shows about the server.",
                "properties": {
                    "version": { "type": "string" },
                    "seed": { "type": ["integer", "null"], "description": "--seed, if given." },
                    "fixtures": { "type": "string", "description": "Where the fixtures came from: embedded, a folder, or built in code." },
                    "admin_token": { "type": "boolean", "description": "Whether admin requests need the bearer token." },
                    "max_emails": { "type": "integer" },
                    "max_requests": { "type": "integer" },
                    "evicted": {
                        "type": "object",
                        "properties": { "emails": count("Emails dropped for capacity."), "requests": count("Journal entries dropped for capacity.") }
                    },
                    "session": { "oneOf": [{ "$ref": "#/components/schemas/SessionEntry" }, { "type": "null" }], "description": "The session this double is, under its prefix; null at the root." }
                },
                "required": ["version", "fixtures", "admin_token", "max_emails", "max_requests", "evicted"]
            }),
        ),
        (
            "Clock",
            json!({
                "type": "object",
                "description": "The double's clock: every time it writes and PIN expiry come from it.",
                "properties": {
                    "now": time("The double's time now (RFC 3339, UTC)."),
                    "offset_ms": { "type": "integer", "description": "Milliseconds ahead of (or behind) real time." }
                },
                "required": ["now", "offset_ms"]
            }),
        ),
        (
            "LogonResult",
            json!({
                "type": "object",
                "description": "What a phone logon (Outlook Voice Access) did: its result, the failures counted, a lockout, an automatic PIN reset.",
                "properties": {
                    "result": { "enum": ["ok", "change_required", "wrong_pin", "locked_out", "not_um_enabled"] },
                    "failed_logons": count("Failed phone logons after this one."),
                    "locked_out": { "type": "boolean" },
                    "pin_reset": { "type": "boolean", "description": "Exchange reset the PIN automatically and sent an AutoResetPIN email." }
                },
                "required": ["result", "failed_logons", "locked_out", "pin_reset"]
            }),
        ),
        (
            "Call",
            json!({
                "type": "object",
                "description": "A Play on Phone call.",
                "properties": {
                    "id": { "type": "string", "description": "The call id handed to the client: base64 of <guid>@<server fqdn>." },
                    "mailbox": { "type": "string" },
                    "operation": { "enum": ["PlayOnPhone", "PlayOnPhoneGreeting"] },
                    "dial_string": { "type": "string" },
                    "content": { "type": "string", "description": "The entryId (PlayOnPhone) or GreetingType (PlayOnPhoneGreeting) played." },
                    "started_at": time("When the call was placed."),
                    "state": { "enum": ["Connecting", "Alerted", "Connected", "Disconnected"] },
                    "event_cause": { "type": "string" }
                },
                "required": ["id", "mailbox", "operation", "dial_string", "content", "started_at", "state", "event_cause"]
            }),
        ),
    ]
}
