//! The admin API's route table: one row per path and method, holding everything about it — the
//! pattern, the method, the query parameters, the handler and its OpenAPI description. The
//! dispatcher (`admin::handle`) answers from it (404, 405 with `Allow`, unknown parameters) and
//! `openapi` writes the document from it, so a route is stated once. Patterns are relative to
//! the admin prefix, so another prefix (a session's) can serve the same table.
//!
//! To add a route: one row here, a handler in the resource's module.

use std::future::Future;
use std::pin::Pin;

use super::openapi::{answer, bad, body, missing, no_content, op, schema, shared, text, Operation};
use super::{emails, events, mailboxes, phone, requests, scenarios, Params, MAX_WAIT_MS};
use crate::state::Shared;
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Reply, WireRequest, WireResponse};

/// A handler's answer: the error side is an answer too (a 400, a 404), never a Rust error.
pub(super) type Answer = Result<WireResponse, WireResponse>;
/// The answer of a handler that waits (a long-poll, a reload on a blocking thread).
pub(super) type Waiting<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// What a handler is given.
pub(super) struct Call<'a> {
    pub(super) shared: &'a Shared,
    pub(super) request: &'a WireRequest,
    /// The values of the pattern's `{name}` segments, in order, percent-decoded.
    args: Vec<&'a str>,
    /// The query, already checked against the row's parameters when it takes only those.
    pub(super) query: Params,
    /// Ends long-polls and event streams when the server stops.
    pub(super) stop: Stop,
}

impl<'a> Call<'a> {
    pub(super) fn new(
        shared: &'a Shared,
        request: &'a WireRequest,
        args: Vec<&'a str>,
        query: Params,
        stop: Stop,
    ) -> Self {
        Call {
            shared,
            request,
            args,
            query,
            stop,
        }
    }

    /// The value of the pattern's `n`th `{name}` segment (the matched pattern has it).
    pub(super) fn arg(&self, n: usize) -> &'a str {
        self.args.get(n).copied().unwrap_or_default()
    }
}

/// How a route answers.
pub(super) enum Handler {
    /// At once.
    Now(fn(&Call<'_>) -> Answer),
    /// After waiting; the future holds no lock.
    Wait(for<'a> fn(&'a Call<'a>) -> Waiting<'a>),
    /// With a stream (`Reply::Stream`) that outlives the call.
    Stream(fn(&Call<'_>) -> Result<Reply, WireResponse>),
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Query,
    Header,
}

/// What a parameter's value may be.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Text,
    /// A whole number.
    Count,
    /// A whole number up to this.
    AtMost(u64),
}

/// One parameter a route reads, as the document describes it.
pub(super) struct Param {
    pub(super) name: &'static str,
    pub(super) place: Place,
    pub(super) description: &'static str,
    pub(super) kind: Kind,
}

const fn query(name: &'static str, description: &'static str, kind: Kind) -> Param {
    Param {
        name,
        place: Place::Query,
        description,
        kind,
    }
}

/// The query parameters a route reads.
pub(super) enum Query {
    /// These, and nothing else: another name is a 400 that lists these.
    Only(&'static [Param]),
    /// These are described; others are ignored.
    Any(&'static [Param]),
}

impl Query {
    pub(super) fn params(&self) -> &'static [Param] {
        match self {
            Query::Only(params) | Query::Any(params) => params,
        }
    }
}

/// One row of the table.
pub(super) struct Route {
    /// Below the admin prefix; a `{name}` segment matches any one segment.
    pub(super) pattern: &'static str,
    pub(super) method: &'static str,
    pub(super) query: Query,
    pub(super) handler: Handler,
    /// The OpenAPI operation, less what the table says itself (the parameters, and the 401 and
    /// 403 every route and every change can answer).
    pub(super) describe: fn() -> Operation,
}

const AFTER_ID: Param = query("after_id", "Only entries with a greater id.", Kind::Count);
const LIMIT: Param = query(
    "limit",
    "At most this many (the first after `after_id`).",
    Kind::Count,
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
        handler: Handler::Now(|call| Ok(super::info(call.shared))),
        describe: || {
            op("Version, seed, fixtures source, capacities and evictions")
                .answer("200", answer("The server", "Info"))
        },
    },
    Route {
        pattern: "/events",
        method: "GET",
        query: Query::Only(&[
            query("types", "Comma-separated event types to send (email, request, mailbox, scenario, reset); all by default.", Kind::Text),
            query("token", "The admin token, for EventSource (which cannot send headers).", Kind::Text),
            Param { name: "Last-Event-ID", place: Place::Header, description: "Replay the events after this id that are still among the last 1,000.", kind: Kind::Text },
        ]),
        handler: Handler::Stream(events::stream),
        describe: || {
            op("Server-Sent Events of every change: email, request, mailbox, scenario, reset")
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
        pattern: "/openapi.json",
        method: "GET",
        query: Query::Any(&[]),
        handler: Handler::Now(|_| {
            Ok(WireResponse::new(
                200,
                "application/json",
                super::openapi::document_text(),
            ))
        }),
        describe: || {
            op("This document").answer("200", serde_json::json!({ "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } }))
        },
    },
];

/// The first pattern that matches `segments` (a path below the prefix, split and decoded), and
/// the values of its `{name}` segments; `None` for an unknown path.
pub(super) fn find<'s>(segments: &[&'s str]) -> Option<(&'static str, Vec<&'s str>)> {
    ROUTES.iter().find_map(|route| {
        let parts: Vec<&str> = route.pattern.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() != segments.len() {
            return None;
        }
        let mut args = Vec::new();
        for (part, segment) in parts.iter().zip(segments) {
            if part.starts_with('{') {
                args.push(*segment);
            } else if part != segment {
                return None;
            }
        }
        Some((route.pattern, args))
    })
}

/// The rows of `pattern`, in table order.
pub(super) fn rows(pattern: &str) -> impl Iterator<Item = &'static Route> + '_ {
    ROUTES.iter().filter(move |route| route.pattern == pattern)
}

/// The `Allow` value of `pattern`: its methods, comma-separated.
pub(super) fn allowed(pattern: &str) -> String {
    rows(pattern)
        .map(|r| r.method)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn literal_segments_win_over_parameters_and_unknown_paths_have_no_route() {
        assert_eq!(
            find(&["emails", "latest"]),
            Some(("/emails/latest", vec![]))
        );
        assert_eq!(
            find(&["scenarios", "7"]),
            Some(("/scenarios/{id}", vec!["7"]))
        );
        assert_eq!(
            find(&["mailboxes", "a@x", "pin"]),
            Some(("/mailboxes/{address}/pin", vec!["a@x"]))
        );
        assert_eq!(find(&["schema", "other.json"]), None);
        assert_eq!(find(&[]), None);
        assert_eq!(allowed("/clock"), "GET, POST, DELETE");
    }

    #[test]
    fn every_row_can_be_reached_and_no_path_and_method_is_stated_twice() {
        let mut seen = BTreeSet::new();
        for route in ROUTES {
            // The row's own pattern, with a sample value in each `{name}`, finds that pattern:
            // no earlier row hides it.
            let sample: Vec<&str> = route
                .pattern
                .split('/')
                .filter(|p| !p.is_empty())
                .map(|p| if p.starts_with('{') { "x" } else { p })
                .collect();
            assert_eq!(
                find(&sample).map(|(p, _)| p),
                Some(route.pattern),
                "an earlier row hides {}",
                route.pattern
            );
            assert!(
                seen.insert((route.pattern, route.method)),
                "{} {} is in the table twice",
                route.method,
                route.pattern
            );
        }
        // A pattern's rows are together, so `Allow` lists them all.
        let patterns: Vec<&str> = ROUTES.iter().map(|r| r.pattern).collect();
        let mut runs = patterns.clone();
        runs.dedup();
        let distinct: BTreeSet<&str> = patterns.iter().copied().collect();
        assert_eq!(runs.len(), distinct.len(), "a pattern's rows are apart");
    }
}
