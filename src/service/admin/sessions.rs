//! `/__admin/sessions`: creating, listing and ending the server's sessions, each an isolated
//! double served under `/sessions/ID`. Served at the root only.

use serde::Deserialize;
use serde_json::{json, Value};

use super::route::{Answer, Call};
use super::{json_body, problem_list};
use crate::domain::mailbox::MAX_NAME_CHARS;
use crate::state::{NewSession, Session, SessionRefusal, StartFrom};
use crate::vocab::wire::WireResponse;

/// What the patterns of the session routes start with.
pub(super) const PATTERN: &str = "/sessions";

/// The body of `POST /__admin/sessions`; every key may be left out, and so may the body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ask {
    name: Option<String>,
    seed: Option<u64>,
    /// A `mock.json` object.
    fixtures: Option<Value>,
}

/// A session's list entry as this request sees it.
fn entry(call: &Call<'_>, session: &Session) -> Value {
    json!(session.entry(Some(&call.request.origin())))
}

pub(super) fn create(call: &Call<'_>) -> Answer {
    let ask: Ask = if call.request.body.iter().all(u8::is_ascii_whitespace) {
        Ask::default()
    } else {
        json_body(call.request)?
    };
    if let Some(name) = &ask.name {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(WireResponse::json_error(
                400,
                format!("name must be at most {MAX_NAME_CHARS} characters (it has {chars})"),
            ));
        }
    }
    let fixtures = match ask.fixtures {
        None => StartFrom::Server,
        Some(fixtures @ Value::Object(_)) => StartFrom::MockJson(fixtures.to_string().into_bytes()),
        Some(_) => {
            return Err(WireResponse::json_error(
                400,
                "fixtures must be an object, as a mock.json is",
            ))
        }
    };
    let new = NewSession {
        name: ask.name,
        seed: ask.seed,
        fixtures,
    };
    match call.doubles.create(new, &call.request.origin()) {
        Ok(session) => Ok(WireResponse::json(201, &entry(call, &session))),
        Err(SessionRefusal::Full(max)) => Err(WireResponse::json_error(
            409,
            format!("there are {max} sessions already, as many as --max-sessions allows; end one (DELETE /__admin/sessions/ID) first"),
        )),
        Err(SessionRefusal::Problems(problems)) => Err(problem_list(
            400,
            "the session's fixtures have problems",
            problems.iter().map(ToString::to_string),
        )),
    }
}

pub(super) fn list(call: &Call<'_>) -> Answer {
    let sessions: Vec<Value> = call
        .doubles
        .list()
        .iter()
        .map(|session| entry(call, session))
        .collect();
    Ok(WireResponse::json(
        200,
        &json!({ "total": sessions.len(), "sessions": sessions }),
    ))
}

fn no_session(id: &str) -> WireResponse {
    WireResponse::json_error(404, format!("no session '{id}'"))
}

pub(super) fn get(call: &Call<'_>) -> Answer {
    let id = call.arg(0);
    let session = call.doubles.get(id).ok_or_else(|| no_session(id))?;
    Ok(WireResponse::json(200, &entry(call, &session)))
}

pub(super) fn end(call: &Call<'_>) -> Answer {
    let id = call.arg(0);
    if call.doubles.end(id) {
        Ok(WireResponse::empty(204))
    } else {
        Err(no_session(id))
    }
}

pub(super) fn end_all(call: &Call<'_>) -> Answer {
    call.doubles.end_all();
    Ok(WireResponse::empty(204))
}

/// The `session` key of `GET …/__admin/info`: the session's list entry under its prefix,
/// `null` at the root.
pub(super) fn this_one(call: &Call<'_>) -> Value {
    if call.request.prefix.is_empty() {
        return Value::Null;
    }
    let id = call.request.prefix.rsplit('/').next().unwrap_or_default();
    call.doubles
        .get(id)
        .map_or(Value::Null, |session| entry(call, &session))
}
