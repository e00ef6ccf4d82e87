//! `/__admin/mailboxes/{address}/logon` and `/pin`: phone logon and the PIN change at the
//! phone prompt, and `/__admin/clock`, the double's clock.

use serde::Deserialize;

use super::{json_body, problem_list};
use crate::state::{ClockChange, PhoneRefusal, PinChanged, Shared};
use crate::vocab::time::Timestamp;
use crate::vocab::wire::{WireRequest, WireResponse};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogonBody {
    pin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinBody {
    old_pin: String,
    new_pin: String,
}

/// `{"advance_ms": N}` or `{"set": "RFC 3339"}`. A signed number, so a negative advance is
/// refused with its own reason rather than a type error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    advance_ms: Option<i64>,
    set: Option<String>,
}

fn refused(refusal: PhoneRefusal) -> WireResponse {
    let status = match refusal {
        PhoneRefusal::NoMailbox(_) => 404,
        PhoneRefusal::NotDigits(_) => 400,
    };
    WireResponse::json_error(status, refusal.message())
}

pub(super) fn logon(
    shared: &Shared,
    address: &str,
    request: &WireRequest,
) -> Result<WireResponse, WireResponse> {
    let body: LogonBody = json_body(request)?;
    match shared.with(|w| w.phone_logon(address, &body.pin)) {
        Ok(outcome) => Ok(WireResponse::json(200, &outcome)),
        Err(refusal) => Err(refused(refusal)),
    }
}

pub(super) fn change_pin(
    shared: &Shared,
    address: &str,
    request: &WireRequest,
) -> Result<WireResponse, WireResponse> {
    let body: PinBody = json_body(request)?;
    match shared.with(|w| w.change_pin(address, &body.old_pin, &body.new_pin)) {
        Ok(PinChanged::Changed(state)) => Ok(WireResponse::json(200, &state)),
        Ok(PinChanged::NotSignedIn(outcome)) => Ok(WireResponse::json(200, &outcome)),
        Ok(PinChanged::Refused(problems)) => Err(problem_list(
            400,
            "the PIN was not changed",
            problems.into_iter(),
        )),
        Err(refusal) => Err(refused(refusal)),
    }
}

pub(super) fn clock(shared: &Shared) -> WireResponse {
    WireResponse::json(200, &shared.with(|w| w.clock()))
}

pub(super) fn change_clock(
    shared: &Shared,
    request: &WireRequest,
) -> Result<WireResponse, WireResponse> {
    let body: ClockBody = json_body(request)?;
    let bad = |why: String| WireResponse::json_error(400, why);
    let change = match (body.advance_ms, body.set) {
        (Some(ms), None) => match u64::try_from(ms) {
            Ok(ms) => ClockChange::Advance { ms },
            Err(_) => {
                return Err(bad(format!(
                    "advance_ms must not be negative ({ms}); to go back, use \"set\""
                )))
            }
        },
        (None, Some(text)) => match Timestamp::parse_rfc3339(&text) {
            Some(to) => ClockChange::Set(to),
            None => {
                return Err(bad(format!(
                    "set: '{text}' is not an RFC 3339 time from 1970 to 9999 (like 2026-11-27T09:00:00Z)"
                )))
            }
        },
        _ => {
            return Err(bad(
                "give exactly one of \"advance_ms\" (milliseconds) or \"set\" (RFC 3339)".into(),
            ))
        }
    };
    Ok(WireResponse::json(
        200,
        &shared.with(|w| w.change_clock(change)),
    ))
}

pub(super) fn real_time(shared: &Shared) -> WireResponse {
    WireResponse::json(200, &shared.with(|w| w.change_clock(ClockChange::RealTime)))
}
