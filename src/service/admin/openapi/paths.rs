//! One description per admin route and method: summary, query parameters, body, answers.

use serde_json::{json, Map, Value};

use crate::service::ui;

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn answer(description: &str, name: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema(name) } } })
}

fn shared(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn no_content(description: &str) -> Value {
    json!({ "description": description })
}

fn text(description: &str, media: &str) -> Value {
    json!({ "description": description, "content": { media: { "schema": { "type": "string" } } } })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn number(maximum: Option<u64>) -> Value {
    match maximum {
        Some(max) => json!({ "type": "integer", "minimum": 0, "maximum": max }),
        None => json!({ "type": "integer", "minimum": 0 }),
    }
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn body(description: &str, schema: Value) -> Value {
    json!({ "required": true, "description": description, "content": { "application/json": { "schema": schema } } })
}

/// The paging filters of a list.
fn paging() -> [Value; 2] {
    [
        query("after_id", "Only entries with a greater id.", number(None)),
        query(
            "limit",
            "At most this many (the first after `after_id`).",
            number(None),
        ),
    ]
}

/// The email filters, with the long-poll.
fn email_filters(limit: bool) -> Vec<Value> {
    let mut out = vec![
        query(
            "to",
            "Only emails to this address (case-insensitive).",
            string(),
        ),
        query("mailbox", "Only emails of this mailbox.", string()),
    ];
    let [after_id, limit_param] = paging();
    out.push(after_id);
    if limit {
        out.push(limit_param);
    }
    out.push(query(
        "wait_ms",
        "If nothing matches yet, wait up to this many milliseconds for something that does.",
        number(Some(super::super::MAX_WAIT_MS)),
    ));
    out
}

/// An operation: `summary`, query parameters, optional body, answers by status.
fn op(
    summary: &str,
    params: Vec<Value>,
    request: Option<Value>,
    answers: &[(&str, Value)],
) -> Value {
    let mut responses: Map<String, Value> = answers
        .iter()
        .map(|(status, a)| (status.to_string(), a.clone()))
        .collect();
    responses.insert("401".into(), shared("Unauthorized"));
    let mut operation = json!({ "summary": summary, "responses": responses });
    if !params.is_empty() {
        operation["parameters"] = Value::Array(params);
    }
    if let Some(request) = request {
        operation["requestBody"] = request;
        operation["responses"]["403"] = shared("CrossSite");
    }
    operation
}

/// A changing operation without a body (it can still be refused as cross-site).
fn change(summary: &str, answers: &[(&str, Value)]) -> Value {
    let mut operation = op(summary, Vec::new(), None, answers);
    operation["responses"]["403"] = shared("CrossSite");
    operation
}

/// The description of `method` on the admin route `pattern` (below `/__admin`).
pub(super) fn admin(pattern: &str, method: &str) -> Option<Value> {
    let bad = || shared("BadRequest");
    let missing = || shared("NotFound");
    Some(match (pattern, method) {
        ("/health", "GET") => op("Liveness and version", vec![], None, &[("200", answer("Up", "Health"))]),
        ("/info", "GET") => op("Version, seed, fixtures source, capacities and evictions", vec![], None, &[("200", answer("The server", "Info"))]),
        ("/events", "GET") => op(
            "Server-Sent Events of every change: email, request, mailbox, scenario, reset",
            vec![
                query("types", "Comma-separated event types to send (email, request, mailbox, scenario, reset); all by default.", string()),
                query("token", "The admin token, for EventSource (which cannot send headers).", string()),
                json!({ "name": "Last-Event-ID", "in": "header", "required": false, "schema": string(), "description": "Replay the events after this id that are still among the last 1,000." }),
            ],
            None,
            &[("200", text("An event stream; each event has an increasing integer id and JSON data.", "text/event-stream")), ("400", bad())],
        ),
        ("/emails", "GET") => op("Captured PIN emails, oldest first", email_filters(true), None, &[("200", answer("The emails that match", "EmailList")), ("400", bad())]),
        ("/emails", "DELETE") => change("Clear the captured emails (ids keep counting)", &[("204", no_content("Cleared"))]),
        ("/emails/latest", "GET") => op("The newest matching email", email_filters(false), None, &[("200", answer("The email", "Email")), ("400", bad()), ("404", missing())]),
        ("/emails/{id}", "GET") => op("One email", vec![], None, &[("200", answer("The email", "Email")), ("400", bad()), ("404", missing())]),
        ("/emails/{id}/raw", "GET") => op("One email as RFC 5322 / MIME", vec![], None, &[("200", text("The message", "message/rfc822")), ("400", bad()), ("404", missing())]),
        ("/emails/{id}/html", "GET") => op(
            "One email's HTML body as a page (for a sandboxed frame; no script runs)",
            vec![query("token", "The admin token, for an <iframe> (which cannot send headers).", string())],
            None,
            &[("200", text("The HTML body", "text/html")), ("400", bad()), ("404", missing())],
        ),
        ("/requests", "GET") => {
            let [after_id, limit] = paging();
            op(
                "The request journal, oldest first",
                vec![query("operation", "Only requests for this operation.", string()), query("mailbox", "Only requests of this mailbox.", string()), after_id, limit],
                None,
                &[("200", answer("The requests that match", "RequestList")), ("400", bad())],
            )
        }
        ("/requests", "DELETE") => change("Clear the journal (ids keep counting)", &[("204", no_content("Cleared"))]),
        ("/calls", "GET") => op("Play on Phone calls placed", vec![query("mailbox", "Only calls of this mailbox.", string())], None, &[("200", answer("The calls", "CallList")), ("400", bad())]),
        ("/mailboxes", "GET") => op("Every mailbox's state", vec![], None, &[("200", answer("The mailboxes", "MailboxList"))]),
        ("/mailboxes/{address}", "GET") => op("One mailbox's state", vec![], None, &[("200", answer("The mailbox", "MailboxState")), ("404", missing())]),
        ("/mailboxes/{address}", "PATCH") => op(
            "Change a mailbox at run time, with the checks fixtures pass",
            vec![],
            Some(body("The keys to change; absent keys stay, null clears.", schema("MailboxPatch"))),
            &[("200", answer("The mailbox after the change", "MailboxState")), ("400", bad()), ("404", missing())],
        ),
        ("/mailboxes/{address}/logon", "POST") => op(
            "A phone logon (Outlook Voice Access) with a PIN",
            vec![],
            Some(body("The PIN typed at the phone.", json!({ "type": "object", "properties": { "pin": { "type": "string", "pattern": "^[0-9]+$" } }, "required": ["pin"], "additionalProperties": false }))),
            &[("200", answer("What the logon did", "LogonResult")), ("400", bad()), ("404", missing())],
        ),
        ("/mailboxes/{address}/pin", "POST") => op(
            "The user choosing a new PIN at the phone prompt",
            vec![],
            Some(body(
                "The current PIN and the new one.",
                json!({ "type": "object", "properties": { "old_pin": { "type": "string" }, "new_pin": { "type": "string" } }, "required": ["old_pin", "new_pin"], "additionalProperties": false }),
            )),
            &[
                ("200", json!({ "description": "The mailbox with its new PIN, or, when old_pin is wrong, the (counted) failed logon", "content": { "application/json": { "schema": { "oneOf": [schema("MailboxState"), schema("LogonResult")] } } } })),
                ("400", bad()),
                ("404", missing()),
            ],
        ),
        ("/clock", "GET") => op("The double's clock", vec![], None, &[("200", answer("The clock", "Clock"))]),
        ("/clock", "POST") => op(
            "Move the double's clock",
            vec![],
            Some(body(
                "Exactly one of advance_ms (forward, milliseconds) or set (an RFC 3339 time).",
                json!({ "oneOf": [
                    { "type": "object", "properties": { "advance_ms": { "type": "integer", "minimum": 0 } }, "required": ["advance_ms"], "additionalProperties": false },
                    { "type": "object", "properties": { "set": { "type": "string", "format": "date-time" } }, "required": ["set"], "additionalProperties": false }
                ] }),
            )),
            &[("200", answer("The clock after the change", "Clock")), ("400", bad())],
        ),
        ("/clock", "DELETE") => change("Back to real time", &[("200", answer("The clock", "Clock"))]),
        ("/scenarios", "GET") => op("Scenarios, newest first", vec![], None, &[("200", answer("The scenarios", "ScenarioList"))]),
        ("/scenarios", "POST") => op(
            "Add a scenario (consulted before the older ones)",
            vec![],
            Some(body("A scenario, as in mock.json.", schema("Scenario"))),
            &[("201", answer("The stored scenario with its id", "Scenario")), ("400", bad()), ("409", shared("Conflict"))],
        ),
        ("/scenarios", "DELETE") => change("Remove every scenario", &[("204", no_content("Removed"))]),
        ("/scenarios/{id}", "DELETE") => change("Remove one scenario", &[("204", no_content("Removed")), ("400", bad()), ("404", missing())]),
        ("/reset", "POST") => change("Back to the fixtures as loaded: mailboxes, scenarios, emails, journal, clock", &[("204", no_content("Reset"))]),
        ("/reload", "POST") => change(
            "Re-read --fixtures DIR; all or nothing, keeping emails, journal and clock",
            &[("204", no_content("Reloaded")), ("400", shared("BadRequest")), ("409", shared("Conflict"))],
        ),
        ("/ca.pem", "GET") => op("The generated CA certificate of the HTTPS listeners", vec![], None, &[("200", text("The CA certificate (PEM)", "application/x-pem-file")), ("404", missing())]),
        ("/schema/mock.json", "GET") => op("The JSON Schema (draft 2020-12) of mock.json", vec![], None, &[("200", json!({ "description": "The schema", "content": { "application/schema+json": { "schema": { "type": "object" } } } }))]),
        ("/openapi.json", "GET") => op("This document", vec![], None, &[("200", json!({ "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } }))]),
        _ => return None,
    })
}

/// The path parameters of `pattern`, declared once for all its methods.
pub(super) fn add_parameters(pattern: &str, item: &mut Map<String, Value>) {
    let params: Vec<Value> = pattern
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (description, schema) = match name {
                "address" => ("A mailbox's SMTP address (case-insensitive).", json!({ "type": "string" })),
                _ => ("An id (a whole number).", json!({ "type": "integer", "minimum": 0 })),
            };
            json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
        })
        .collect();
    if !params.is_empty() {
        item.insert("parameters".into(), Value::Array(params));
    }
}

/// The web inbox: `/` and `/__admin/ui` redirect to the page; the page and its assets are
/// served without the token (they hold no data).
pub(super) fn web_inbox() -> Vec<(String, Value)> {
    let open = |summary: &str, answers: Value| json!({ "get": { "summary": summary, "security": [{}], "responses": answers } });
    let redirect = |status: &str, description: &str| json!({ status: { "description": description, "headers": { "Location": { "schema": { "type": "string", "const": ui::PATH } } } } });
    let mut out = vec![
        (
            "/".to_string(),
            open(
                "The front door: redirects to the web inbox",
                redirect("302", "To /__admin/ui/"),
            ),
        ),
        (
            "/__admin/ui".to_string(),
            open(
                "Redirects to /__admin/ui/ (the page's relative links need the slash)",
                redirect("301", "To /__admin/ui/"),
            ),
        ),
    ];
    for (path, content_type) in ui::asset_paths() {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or(content_type)
            .to_string();
        let what = if path == ui::PATH {
            "The web inbox page"
        } else {
            "An asset of the web inbox"
        };
        out.push((path, open(what, json!({ "200": text(what, &media) }))));
    }
    out
}

/// Answers several routes share.
pub(super) fn shared_responses() -> Value {
    let error = |description: &str| answer(description, "Error");
    json!({
        "BadRequest": error("A bad parameter, body or value; the error says which (and `problems` lists each, where there can be several)."),
        "NotFound": error("No such email, mailbox, scenario or certificate."),
        "Conflict": error("The request cannot be done in this state (too many scenarios; reload without --fixtures)."),
        "Unauthorized": error("The server has an --admin-token and the request did not carry it."),
        "CrossSite": error("A browser sent this changing request from another site's page.")
    })
}
