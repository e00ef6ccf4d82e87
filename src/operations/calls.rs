//! The Play on Phone operations: `PlayOnPhone` and `PlayOnPhoneGreeting` place a simulated call
//! and return its id; `GetCallInfo` reports it; `Disconnect` ends it.

use base64::Engine as _;

use super::{CallChange, Ctx, Done, Failure};
use crate::domain::calls::{dial_string_problem, CallBook, NewCall, MAX_ENTRY_ID_CHARS};
use crate::soap::schema::Args;
use crate::soap::write::element;
use crate::vocab::Operation;

/// Shortest decoded `entryId` taken as plausible (a store entry id is far longer; 16 bytes
/// rules out typos and placeholders).
const MIN_ENTRY_ID_BYTES: usize = 16;

/// `PlayOnPhone(entryId, DialString)`
pub(super) fn play_on_phone(ctx: Ctx<'_>, args: &Args) -> Result<Done, Failure> {
    let entry_id = args.text("entryId").trim();
    let chars = entry_id.chars().count();
    if chars > MAX_ENTRY_ID_CHARS {
        return Err(Failure::Um {
            exception: "InvalidObjectIdException",
            reason: format!(
                "entryId has {chars} characters; an entry id has at most {MAX_ENTRY_ID_CHARS}"
            ),
        });
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(entry_id);
    if !decoded.is_ok_and(|bytes| bytes.len() >= MIN_ENTRY_ID_BYTES) {
        return Err(Failure::Um {
            exception: "InvalidObjectIdException",
            reason: format!(
                "entryId '{}' is not base64 of an entry id ({MIN_ENTRY_ID_BYTES}+ bytes)",
                args.text("entryId")
            ),
        });
    }
    place(ctx, args, Operation::PlayOnPhone, entry_id)
}

/// `PlayOnPhoneGreeting(GreetingType, DialString)` (the greeting type is checked against the
/// schema's enumeration with the other parameters).
pub(super) fn play_on_phone_greeting(ctx: Ctx<'_>, args: &Args) -> Result<Done, Failure> {
    let greeting = args.text("GreetingType").trim();
    place(ctx, args, Operation::PlayOnPhoneGreeting, greeting)
}

fn place(ctx: Ctx<'_>, args: &Args, operation: Operation, content: &str) -> Result<Done, Failure> {
    let dial_string = args.text("DialString").trim();
    if dial_string.is_empty() {
        return Err(Failure::Invalid("parameter 'DialString' is empty".into()));
    }
    if let Some(problem) = dial_string_problem("DialString", dial_string) {
        return Err(Failure::Invalid(problem));
    }
    // The calls never change the mailbox: read it where it is (the fields apart, so the call
    // RNG can be borrowed beside it).
    let Ctx {
        current,
        draft,
        fixtures,
        call_rng,
        ..
    } = ctx;
    let mailbox = draft.as_ref().unwrap_or(current);
    let call = NewCall {
        mailbox: &mailbox.state.smtp_address,
        operation: operation.name(),
        dial_string,
        content,
        at: ctx.now,
    };
    let call = CallBook::dial(call, &fixtures.fqdn, call_rng);
    let mut done = Done::value(operation, &quick_xml::escape::escape(call.id.as_str()));
    done.call = Some(CallChange::Place(call));
    Ok(done)
}

/// `GetCallInfo(CallId)`
pub(super) fn get_call_info(ctx: Ctx<'_>, args: &Args) -> Result<Done, Failure> {
    let call_id = args.text("CallId");
    let call = ctx
        .calls
        .get(
            call_id.trim(),
            &ctx.mailbox().state.smtp_address,
            ctx.fixtures.call_step_ms,
        )
        .ok_or_else(|| unknown_call(call_id))?;
    let xml = element("CallState", call.state.name()) + &element("EventCause", call.event_cause);
    Ok(Done::value(Operation::GetCallInfo, &xml))
}

/// `Disconnect(CallId)`
pub(super) fn disconnect(ctx: Ctx<'_>, args: &Args) -> Result<Done, Failure> {
    let call_id = args.text("CallId");
    let mailbox = &ctx.mailbox().state.smtp_address;
    if ctx.calls.get(call_id.trim(), mailbox, 0).is_none() {
        return Err(unknown_call(call_id));
    }
    Ok(Done {
        call: Some(CallChange::Disconnect(call_id.trim().to_string())),
        ..Done::default()
    })
}

fn unknown_call(call_id: &str) -> Failure {
    Failure::Um {
        exception: "InvalidCallIdException",
        reason: format!("no call '{call_id}' for this mailbox"),
    }
}
