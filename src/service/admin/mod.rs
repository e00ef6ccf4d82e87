//! The JSON admin API under `/__admin`: routing and parameter parsing; the token and
//! cross-site checks are in `guard`. One module per resource.

mod emails;
mod events;
mod guard;
mod mailboxes;
mod openapi;
mod phone;
mod requests;
mod route;
mod routes;
mod scenarios;
mod sessions;

use serde::de::DeserializeOwned;

use route::{Call, Handler, Place, Query};
use routes::ROUTES;

use crate::state::{Doubles, ReloadError, Shared};
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Reply, WireRequest, WireResponse};

pub(crate) use crate::vocab::paths::ADMIN_PREFIX as PREFIX;

/// Longest `wait_ms` a long-poll accepts.
const MAX_WAIT_MS: u64 = 60_000;
/// The items of a list page (`/emails`, `/requests`) without `limit`: a list is never sent
/// whole by default, whatever the journal holds.
const DEFAULT_PAGE: usize = 1_000;
/// The largest `limit` of a list page.
const MAX_PAGE: usize = 10_000;

pub(crate) fn is_admin(path: &str) -> bool {
    path == PREFIX || path.starts_with("/__admin/")
}

/// Answers an admin request to `shared` (the root, or a session); `doubles` holds the sessions.
/// `stop` ends long-polls and event streams when the server stops (or the session ends).
pub(crate) async fn handle(
    doubles: &Doubles,
    shared: &Shared,
    request: &WireRequest,
    stop: Stop,
) -> Reply {
    let rest = request.path[PREFIX.len()..].trim_start_matches('/');
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(crate::vocab::wire::percent_decode_path)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let Some(refusal) = guard::host(shared, request).or_else(|| guard::cross_site(request)) {
        return refusal.into();
    }
    // The page and its assets hold no data, so they are served without the token: the page
    // asks for it.
    if let ["ui", ..] = segments.as_slice() {
        return crate::service::ui::serve(request, &segments[1..]).into();
    }
    if let Some(refusal) = guard::token(shared, request) {
        return refusal.into();
    }
    dispatch((doubles, shared), request, &segments, stop).await
}

/// Answers from the route table: `segments` is the path below the prefix, decoded.
async fn dispatch(
    doubles: (&Doubles, &Shared),
    request: &WireRequest,
    segments: &[&str],
    stop: Stop,
) -> Reply {
    let found = route::find(ROUTES, segments);
    // Sessions are made and listed at the root; a session has none of its own.
    let Some((pattern, args)) = found.filter(|(pattern, _)| {
        request.prefix.is_empty() || !pattern.starts_with(sessions::PATTERN)
    }) else {
        return WireResponse::json_error(
            404,
            format!("no admin resource at {}", request.path_and_query()),
        )
        .into();
    };
    let method = request.method.as_str();
    // A HEAD is the GET without its body (hyper leaves the body out and keeps its length),
    // answered at once: its stop has already fired, so a long-poll does not wait and an
    // event stream is closed before it sends anything.
    let head = method == "HEAD";
    let (wanted, stop) = if head {
        ("GET", Stop::fired())
    } else {
        (method, stop)
    };
    let Some(route) = route::rows(ROUTES, pattern).find(|r| r.method == wanted) else {
        let allowed = route::allowed(ROUTES, pattern);
        return WireResponse::json_error(
            405,
            format!(
                "{method} is not allowed on {} (allowed: {allowed})",
                request.path
            ),
        )
        .with_header("Allow", allowed)
        .into();
    };
    let query = match &route.query {
        Query::Only(params) => {
            let known: Vec<&str> = params
                .iter()
                .filter(|p| p.place == Place::Query)
                .map(|p| p.name)
                .collect();
            match Params::parse(request, &known) {
                Ok(query) => query,
                Err(refusal) => return refusal.into(),
            }
        }
        Query::Any(_) => Params::all(request),
    };
    let call = Call::new(doubles, request, args, query, stop);
    let answer = match route.handler {
        Handler::Now(handler) => handler(&call),
        Handler::Wait(handler) => handler(&call).await,
        Handler::Stream(handler) => {
            return match handler(&call) {
                // Dropping the body's channel ends the stream's task at its first line.
                Ok(Reply::Stream(streamed)) if head => streamed.head.into(),
                answer => answer.unwrap_or_else(Reply::from),
            };
        }
    };
    answer.unwrap_or_else(|error| error).into()
}

/// What the web inbox shows about the double: version, seed, where the fixtures came from,
/// the capacities, how much was evicted, and which session it is (`null` at the root).
fn info(call: &Call<'_>) -> WireResponse {
    let shared = call.shared;
    let config = shared.config();
    let (emails, requests) = shared.with(|w| w.evicted());
    WireResponse::json(
        200,
        &serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "seed": config.seed,
            "fixtures": shared.fixtures_source(),
            "admin_token": config.admin_token.is_some(),
            "max_emails": config.max_emails,
            "max_requests": config.max_requests,
            "evicted": { "emails": emails, "requests": requests },
            "session": sessions::this_one(call),
        }),
    )
}

/// The generated CA certificate of the HTTPS listeners, for a client to trust.
fn ca_pem(shared: &Shared) -> WireResponse {
    match shared.ca_pem() {
        Some(pem) => WireResponse::new(200, "application/x-pem-file", pem.to_owned()),
        None => WireResponse::json_error(
            404,
            "no generated CA: the server has no https:// listener, or was given its certificate (--tls-cert)",
        ),
    }
}

/// Re-reads the fixtures on a blocking thread: reading and checking a folder must not hold a
/// runtime thread that serves requests.
async fn reload(shared: &Shared) -> WireResponse {
    let reloading = shared.clone();
    let Ok(result) = tokio::task::spawn_blocking(move || reloading.reload()).await else {
        return WireResponse::json_error(500, "the reload stopped before it finished");
    };
    match result {
        Ok(()) => WireResponse::empty(204),
        Err(ReloadError::Embedded) => WireResponse::json_error(
            409,
            "the server runs on the embedded fixtures; start it with --fixtures DIR to reload from disk",
        ),
        Err(ReloadError::Session) => WireResponse::json_error(
            409,
            "a session keeps the fixtures it started with; create a new session to start from others",
        ),
        Err(ReloadError::Problems(problems)) => problem_list(400, "the fixtures were not reloaded", problems.iter().map(ToString::to_string)),
    }
}

/// `{"error": "<summary>: <p1>; <p2>", "problems": [...]}`
pub(crate) fn problem_list(
    status: u16,
    summary: &str,
    problems: impl Iterator<Item = String>,
) -> WireResponse {
    let problems: Vec<String> = problems.collect();
    WireResponse::json(
        status,
        &serde_json::json!({ "error": format!("{summary}: {}", problems.join("; ")), "problems": problems }),
    )
}

/// Query parameters, checked against the names a resource accepts.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    /// Every parameter, for a route that ignores the ones it does not read.
    fn all(request: &WireRequest) -> Self {
        Params(request.query_pairs())
    }

    fn parse(request: &WireRequest, known: &[&str]) -> Result<Self, WireResponse> {
        let mut pairs = request.query_pairs();
        // On a GET (or its HEAD), `token` is the admin token, already checked by the guard.
        if matches!(request.method.as_str(), "GET" | "HEAD") {
            pairs.retain(|(name, _)| name != "token");
        }
        if let Some((name, _)) = pairs
            .iter()
            .find(|(name, _)| !known.contains(&name.as_str()))
        {
            return Err(WireResponse::json_error(
                400,
                format!(
                    "unknown parameter '{name}' (this resource takes: {})",
                    known.join(", ")
                ),
            ));
        }
        Ok(Params(pairs))
    }

    fn text(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn number(&self, name: &str, max: u64) -> Result<Option<u64>, WireResponse> {
        let Some(text) = self.text(name) else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(n) if n <= max => Ok(Some(n)),
            _ => Err(WireResponse::json_error(
                400,
                format!("parameter '{name}' must be a whole number from 0 to {max}, not '{text}'"),
            )),
        }
    }

    /// The page size a list asks for: `limit`, at most [`MAX_PAGE`]; [`DEFAULT_PAGE`] without.
    fn page(&self) -> Result<usize, WireResponse> {
        let limit = self.number("limit", MAX_PAGE as u64)?;
        Ok(limit.map_or(DEFAULT_PAGE, |n| n as usize))
    }

    fn wait_ms(&self) -> Result<u64, WireResponse> {
        Ok(self.number("wait_ms", MAX_WAIT_MS)?.unwrap_or(0))
    }
}

/// Parses a path segment as an id.
fn id(segment: &str, what: &str) -> Result<u64, WireResponse> {
    segment.parse().map_err(|_| {
        WireResponse::json_error(
            400,
            format!("'{segment}' is not {what} id (a whole number)"),
        )
    })
}

/// Parses a JSON request body, saying where it is wrong.
fn json_body<T: DeserializeOwned>(request: &WireRequest) -> Result<T, WireResponse> {
    let mut deserializer = serde_json::Deserializer::from_slice(&request.body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at {path}")
        };
        WireResponse::json_error(400, format!("bad JSON body{at}: {}", error.into_inner()))
    })
}
