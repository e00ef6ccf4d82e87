//! What a row of the admin route table is ([`Route`]): a pattern, a method, the query
//! parameters, a handler and the OpenAPI description, with the helpers descriptions are written
//! with. The rows themselves are in `routes`; `openapi` writes the document from them.

use std::future::Future;
use std::pin::Pin;

use serde_json::{json, Value};

use super::Params;
use crate::state::{Doubles, Shared};
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Reply, WireRequest, WireResponse};

/// A handler's answer: the error side is an answer too (a 400, a 404), never a Rust error.
pub(super) type Answer = Result<WireResponse, WireResponse>;
/// The answer of a handler that waits (a long-poll, a reload on a blocking thread).
pub(super) type Waiting<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// What a handler is given.
pub(super) struct Call<'a> {
    /// The double the request is for: the root, or the session under whose prefix it came.
    pub(super) shared: &'a Shared,
    /// Every double the server serves: the session routes' registry.
    pub(super) doubles: &'a Doubles,
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
        (doubles, shared): (&'a Doubles, &'a Shared),
        request: &'a WireRequest,
        args: Vec<&'a str>,
        query: Params,
        stop: Stop,
    ) -> Self {
        Call {
            shared,
            doubles,
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

pub(super) const fn query(name: &'static str, description: &'static str, kind: Kind) -> Param {
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

// The pieces of a description.

pub(super) fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn answer(description: &str, name: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema(name) } } })
}

pub(super) fn shared(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

pub(super) fn no_content(description: &str) -> Value {
    json!({ "description": description })
}

pub(super) fn text(description: &str, media: &str) -> Value {
    json!({ "description": description, "content": { media: { "schema": { "type": "string" } } } })
}

/// `#/components/responses/BadRequest`.
pub(super) fn bad() -> Value {
    shared("BadRequest")
}

/// `#/components/responses/NotFound`.
pub(super) fn missing() -> Value {
    shared("NotFound")
}

pub(super) fn body(description: &str, schema: Value) -> Value {
    json!({ "required": true, "description": description, "content": { "application/json": { "schema": schema } } })
}

/// What a route's row says about it beyond the table's own columns: a summary, the request
/// body, the answers by status.
pub(super) struct Operation {
    pub(super) summary: &'static str,
    pub(super) body: Option<Value>,
    pub(super) answers: Vec<(&'static str, Value)>,
}

pub(super) fn op(summary: &'static str) -> Operation {
    Operation {
        summary,
        body: None,
        answers: Vec::new(),
    }
}

impl Operation {
    pub(super) fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(super) fn answer(mut self, status: &'static str, answer: Value) -> Self {
        self.answers.push((status, answer));
        self
    }
}

/// The first pattern of `table` that matches `segments` (a path below the prefix, split and
/// decoded), and the values of its `{name}` segments; `None` for an unknown path.
pub(super) fn find<'s>(
    table: &'static [Route],
    segments: &[&'s str],
) -> Option<(&'static str, Vec<&'s str>)> {
    table.iter().find_map(|route| {
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

/// The rows of `pattern` in `table`, in table order.
pub(super) fn rows<'p>(
    table: &'static [Route],
    pattern: &'p str,
) -> impl Iterator<Item = &'static Route> + 'p {
    table.iter().filter(move |route| route.pattern == pattern)
}

/// The `Allow` value of `pattern`: its methods, comma-separated, with `HEAD` after a `GET`
/// (every `GET` row answers it, as the `GET` without a body).
pub(super) fn allowed(table: &'static [Route], pattern: &str) -> String {
    rows(table, pattern)
        .flat_map(|r| match r.method {
            "GET" => &["GET", "HEAD"][..],
            _ => std::slice::from_ref(&r.method),
        })
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::service::admin::routes::ROUTES;

    #[test]
    fn literal_segments_win_over_parameters_and_unknown_paths_have_no_route() {
        assert_eq!(
            find(ROUTES, &["emails", "latest"]),
            Some(("/emails/latest", vec![]))
        );
        assert_eq!(
            find(ROUTES, &["scenarios", "7"]),
            Some(("/scenarios/{id}", vec!["7"]))
        );
        assert_eq!(
            find(ROUTES, &["mailboxes", "a@x", "pin"]),
            Some(("/mailboxes/{address}/pin", vec!["a@x"]))
        );
        assert_eq!(find(ROUTES, &["schema", "other.json"]), None);
        assert_eq!(find(ROUTES, &[]), None);
        assert_eq!(allowed(ROUTES, "/clock"), "GET, HEAD, POST, DELETE");
        assert_eq!(allowed(ROUTES, "/reset"), "POST");
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
                find(ROUTES, &sample).map(|(p, _)| p),
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
