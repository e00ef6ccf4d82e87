//! The admin API's route table: one row ([`Route`]) per path and method, holding everything
//! about it — the pattern, the method, the query parameters, the handler and its OpenAPI
//! description. The dispatcher (`admin::handle`) answers from it (404, 405 with `Allow`,
//! unknown parameters) and `openapi` writes the document from it, so a route is stated once.
//! Patterns are relative to the admin prefix, so another prefix (a session's) can serve the
//! same table.
//!
//! To add a route: one row here, a handler in the resource's module.

use super::route::{
    answer, bad, body, missing, no_content, op, query, schema, shared, text, Handler, Kind, Param,
    Place, Query, Route,
};
use super::{
    emails, events, mailboxes, phone, requests, scenarios, sessions, MAX_PAGE, MAX_WAIT_MS,
};
use crate::vocab::wire::WireResponse;

const AFTER_ID: Param = query("after_id", "Only entries with a greater id.", Kind::Count);
const LIMIT: Param = query(
    "limit",
    "At most this many (the first after `after_id`): 1,000 when left out, 10,000 at most. Page on with `after_id` set to the last id of a page.",
    Kind::AtMost(MAX_PAGE as u64),
);
const MAILBOX_EMAILS: Param = query("mailbox", "Only emails of this mailbox.", Kind::Text);
const TO: Param = query(
    "to",
    "Only emails to this address (case-insensitive).",
    Kind::Text,
);
const WAIT_MS: Param = query(
    "wait_ms",
    "If nothing matches yet, wait up to this many milliseconds for something that does.",
    Kind::AtMost(MAX_WAIT_MS),
);
const EMAIL_FILTERS: [Param; 5] = [TO, MAILBOX_EMAILS, AFTER_ID, LIMIT, WAIT_MS];

/// Every admin route. The first pattern that matches a path decides (the unit tests check that
/// no row is hidden behind an earlier one), so a literal segment comes before a `{name}` in
/// the same place; a pattern's rows are together, in the order `Allow` lists them.
pub(super) static ROUTES: &[Route] = &[
    Route {
        pattern: "/health",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|_| {
            Ok(WireResponse::json(
                200,
                &serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
            ))
        }),
        describe: || op("Liveness and version").answer("200", answer("Up", "Health")),
    },
    Route {
        pattern: "/info",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(super::info(call))),
        describe: || {
            op("Version, seed, fixtures source, capacities and evictions")
                .answer("200", answer("The server", "Info"))
        },
    },
    Route {
        pattern: "/events",
        method: "GET",
        query: Query::Only(&[
            query("types", "Comma-separated event types to send (email, request, mailbox, scenario, reset, session); all by default.", Kind::Text),
            query("token", "The admin token, for EventSource (which cannot send headers).", Kind::Text),
            Param { name: "Last-Event-ID", place: Place::Header, description: "Replay the events after this id that are still among the last 1,000.", kind: Kind::Text },
        ]),
        handler: Handler::Stream(events::stream),
        describe: || {
            op("Server-Sent Events of every change: email, request, mailbox, scenario, reset, session (root only)")
                .answer("200", text("An event stream; each event has an increasing integer id and JSON data.", "text/event-stream"))
                .answer("400", bad())
        },
    },
    Route {
        pattern: "/emails",
        method: "GET",
        query: Query::Only(&EMAIL_FILTERS),
        handler: Handler::Wait(|call| Box::pin(emails::list(call))),
        describe: || {
            op("Captured PIN emails, oldest first")
                .answer("200", answer("The emails that match", "EmailList"))
                .answer("400", bad())
        },
    },
    Route {
        pattern: "/emails",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(emails::clear(call.shared))),
        describe: || {
            op("Clear the captured emails (ids keep counting)").answer("204", no_content("Cleared"))
        },
    },
    Route {
        pattern: "/emails/latest",
        method: "GET",
        query: Query::Only(&[
            TO,
            MAILBOX_EMAILS,
            AFTER_ID,
            query("limit", "Accepted as in the list (a whole number), and without effect: the newest is one.", Kind::Count),
            WAIT_MS,
        ]),
        handler: Handler::Wait(|call| Box::pin(emails::latest(call))),
        describe: || {
            op("The newest matching email")
                .answer("200", answer("The email", "Email"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/emails/{id}",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| emails::one(call.shared, call.arg(0))),
        describe: || {
            op("One email")
                .answer("200", answer("The email", "Email"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/emails/{id}/raw",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| emails::raw(call.shared, call.arg(0))),
        describe: || {
            op("One email as RFC 5322 / MIME")
                .answer("200", text("The message", "message/rfc822"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/emails/{id}/html",
        method: "GET",
        query: Query::Any(&[query(
            "token",
            "The admin token, for an <iframe> (which cannot send headers).",
            Kind::Text,
        )]),
        handler: Handler::Now(|call| emails::html(call.shared, call.arg(0))),
        describe: || {
            op("One email's HTML body as a page (for a sandboxed frame; no script runs)")
                .answer("200", text("The HTML body", "text/html"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/requests",
        method: "GET",
        query: Query::Only(&[
            query("operation", "Only requests for this operation.", Kind::Text),
            query("mailbox", "Only requests of this mailbox.", Kind::Text),
            AFTER_ID,
            LIMIT,
        ]),
        handler: Handler::Now(|call| requests::list(call.shared, &call.query)),
        describe: || {
            op("The request journal, oldest first")
                .answer("200", answer("The requests that match", "RequestList"))
                .answer("400", bad())
        },
    },
    Route {
        pattern: "/requests",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(requests::clear(call.shared))),
        describe: || {
            op("Clear the journal (ids keep counting)").answer("204", no_content("Cleared"))
        },
    },
    Route {
        pattern: "/calls",
        method: "GET",
        query: Query::Only(&[query("mailbox", "Only calls of this mailbox.", Kind::Text)]),
        handler: Handler::Now(|call| requests::calls(call.shared, &call.query)),
        describe: || {
            op("Play on Phone calls placed")
                .answer("200", answer("The calls", "CallList"))
                .answer("400", bad())
        },
    },
    Route {
        pattern: "/mailboxes",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(mailboxes::list(call.shared))),
        describe: || op("Every mailbox's state").answer("200", answer("The mailboxes", "MailboxList")),
    },
    Route {
        pattern: "/mailboxes/{address}",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(mailboxes::one(call.shared, call.arg(0)))),
        describe: || {
            op("One mailbox's state")
                .answer("200", answer("The mailbox", "MailboxState"))
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/mailboxes/{address}",
        method: "PATCH",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| mailboxes::patch(call.shared, call.arg(0), call.request)),
        describe: || {
            op("Change a mailbox at run time, with the checks fixtures pass")
                .body(body("The keys to change; absent keys stay, null clears.", schema("MailboxPatch")))
                .answer("200", answer("The mailbox after the change", "MailboxState"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/mailboxes/{address}/logon",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| phone::logon(call.shared, call.arg(0), call.request)),
        describe: || {
            op("A phone logon (Outlook Voice Access) with a PIN")
                .body(body("The PIN typed at the phone.", serde_json::json!({ "type": "object", "properties": { "pin": { "type": "string", "pattern": "^[0-9]+$" } }, "required": ["pin"], "additionalProperties": false })))
                .answer("200", answer("What the logon did", "LogonResult"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/mailboxes/{address}/pin",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| phone::change_pin(call.shared, call.arg(0), call.request)),
        describe: || {
            op("The user choosing a new PIN at the phone prompt")
                .body(body(
                    "The current PIN and the new one.",
                    serde_json::json!({ "type": "object", "properties": { "old_pin": { "type": "string" }, "new_pin": { "type": "string" } }, "required": ["old_pin", "new_pin"], "additionalProperties": false }),
                ))
                .answer("200", serde_json::json!({ "description": "The mailbox with its new PIN, or, when old_pin is wrong, the (counted) failed logon", "content": { "application/json": { "schema": { "oneOf": [schema("MailboxState"), schema("LogonResult")] } } } }))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/clock",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(phone::clock(call.shared))),
        describe: || op("The double's clock").answer("200", answer("The clock", "Clock")),
    },
    Route {
        pattern: "/clock",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| phone::change_clock(call.shared, call.request)),
        describe: || {
            op("Move the double's clock")
                .body(body(
                    "Exactly one of advance_ms (forward, milliseconds) or set (an RFC 3339 time).",
                    serde_json::json!({ "oneOf": [
                        { "type": "object", "properties": { "advance_ms": { "type": "integer", "minimum": 0 } }, "required": ["advance_ms"], "additionalProperties": false },
                        { "type": "object", "properties": { "set": { "type": "string", "format": "date-time" } }, "required": ["set"], "additionalProperties": false }
                    ] }),
                ))
                .answer("200", answer("The clock after the change", "Clock"))
                .answer("400", bad())
        },
    },
    Route {
        pattern: "/clock",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(phone::real_time(call.shared))),
        describe: || op("Back to real time").answer("200", answer("The clock", "Clock")),
    },
    Route {
        pattern: "/scenarios",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(scenarios::list(call.shared))),
        describe: || op("Scenarios, newest first").answer("200", answer("The scenarios", "ScenarioList")),
    },
    Route {
        pattern: "/scenarios",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| scenarios::add(call.shared, call.request)),
        describe: || {
            op("Add a scenario (consulted before the older ones)")
                .body(body("A scenario, as in mock.json.", schema("Scenario")))
                .answer("201", answer("The stored scenario with its id", "Scenario"))
                .answer("400", bad())
                .answer("409", shared("Conflict"))
        },
    },
    Route {
        pattern: "/scenarios",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(scenarios::clear(call.shared))),
        describe: || op("Remove every scenario").answer("204", no_content("Removed")),
    },
    Route {
        pattern: "/scenarios/{id}",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| scenarios::remove(call.shared, call.arg(0))),
        describe: || {
            op("Remove one scenario")
                .answer("204", no_content("Removed"))
                .answer("400", bad())
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/reset",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| {
            call.shared.with(|w| w.reset());
            Ok(WireResponse::empty(204))
        }),
        describe: || {
            op("Back to the fixtures as loaded: mailboxes, scenarios, emails, journal, clock")
                .answer("204", no_content("Reset"))
        },
    },
    Route {
        pattern: "/reload",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Wait(|call| Box::pin(async { Ok(super::reload(call.shared).await) })),
        describe: || {
            op("Re-read --fixtures DIR; all or nothing, keeping emails, journal and clock")
                .answer("204", no_content("Reloaded"))
                .answer("400", bad())
                .answer("409", shared("Conflict"))
        },
    },
    Route {
        pattern: "/ca.pem",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| Ok(super::ca_pem(call.shared))),
        describe: || {
            op("The generated CA certificate of the HTTPS listeners")
                .answer("200", text("The CA certificate (PEM)", "application/x-pem-file"))
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/schema/mock.json",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|_| {
            Ok(WireResponse::new(
                200,
                "application/schema+json",
                crate::fixtures::FixtureSet::schema(),
            ))
        }),
        describe: || {
            op("The JSON Schema (draft 2020-12) of mock.json").answer("200", serde_json::json!({ "description": "The schema", "content": { "application/schema+json": { "schema": { "type": "object" } } } }))
        },
    },
    Route {
        pattern: "/sessions",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(sessions::list),
        describe: || {
            op("The sessions, oldest first (root only)")
                .answer("200", answer("The sessions", "SessionList"))
        },
    },
    Route {
        pattern: "/sessions",
        method: "POST",
        query: Query::Any(&[]),
        handler: Handler::Now(sessions::create),
        describe: || {
            op("Create a session: an isolated double under /sessions/{id}, from the server's fixtures or its own (root only)")
                .body(body("Every key may be left out, and so may the body.", schema("NewSession")))
                .answer("201", answer("The session's list entry", "SessionEntry"))
                .answer("400", bad())
                .answer("409", shared("Conflict"))
        },
    },
    Route {
        pattern: "/sessions",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(sessions::end_all),
        describe: || op("End every session (root only)").answer("204", no_content("Ended")),
    },
    Route {
        pattern: "/sessions/{id}",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(sessions::get),
        describe: || {
            op("One session's list entry (root only)")
                .answer("200", answer("The session", "SessionEntry"))
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/sessions/{id}",
        method: "DELETE",
        query: Query::Any(&[]),
        handler: Handler::Now(sessions::end),
        describe: || {
            op("End one session (root only)")
                .answer("204", no_content("Ended"))
                .answer("404", missing())
        },
    },
    Route {
        pattern: "/openapi.json",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|call| {
            Ok(WireResponse::new(
                200,
                "application/json",
                super::openapi::document_text(ROUTES, &call.request.prefix),
            ))
        }),
        describe: || {
            op("This document").answer("200", serde_json::json!({ "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } }))
        },
    },
];
