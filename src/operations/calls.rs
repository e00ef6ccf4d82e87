//! The Play on Phone operations: `PlayOnPhone` and `PlayOnPhoneGreeting` place a simulated call
//! and return its id; `GetCallInfo` reports it; `Disconnect` ends it.

use base64::Engine as _;

use super::{required, Ctx, Done, Failure, Operation};
use crate::calls::NewCall;
use crate::soap::write::element;

/// Shortest decoded `entryId` taken as plausible (a store entry id is far longer; 16 bytes
/// rules out typos and placeholders).
const MIN_ENTRY_ID_BYTES: usize = 16;

/// `PlayOnPhone(entryId, DialString)`
pub(super) fn play_on_phone(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [entry_id, dial_string] = ctx.params(["entryId", "DialString"])?;
    let entry_id = required(entry_id, "entryId")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(entry_id.trim());
    if !decoded.is_ok_and(|bytes| bytes.len() >= MIN_ENTRY_ID_BYTES) {
        return Err(Failure::Um {
            exception: "InvalidObjectIdException",
            reason: format!(
                "entryId '{entry_id}' is not base64 of an entry id ({MIN_ENTRY_ID_BYTES}+ bytes)"
            ),
        });
    }
    place(
        ctx,
        Operation::PlayOnPhone,
        dial_string,
        entry_id.trim().to_string(),
    )
}

/// `PlayOnPhoneGreeting(GreetingType, DialString)`
pub(super) fn play_on_phone_greeting(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [greeting, dial_string] = ctx.params(["GreetingType", "DialString"])?;
    let greeting = required(greeting, "GreetingType")?.trim().to_string();
    if !matches!(greeting.as_str(), "NormalCustom" | "OofCustom") {
        return Err(Failure::Invalid(format!(
            "GreetingType must be NormalCustom or OofCustom, not '{greeting}'"
        )));
    }
    place(ctx, Operation::PlayOnPhoneGreeting, dial_string, greeting)
}

fn place(
    ctx: Ctx<'_>,
    operation: Operation,
    dial_string: Option<String>,
    content: String,
) -> Result<Done, Failure> {
    let dial_string = required(dial_string, "DialString")?.trim().to_string();
    if dial_string.is_empty() {
        return Err(Failure::Invalid("parameter 'DialString' is empty".into()));
    }
    let world = ctx.world;
    let mailbox = world.mailboxes[ctx.mailbox].state.smtp_address.clone();
    let call = NewCall {
        mailbox: &mailbox,
        operation: operation.name(),
        dial_string: &dial_string,
        content: &content,
    };
    let id = world
        .calls
        .place(call, &world.fixtures.fqdn, &mut world.call_rng);
    Ok(Done::value(
        operation,
        &quick_xml::escape::escape(id.as_str()),
    ))
}

/// `GetCallInfo(CallId)`
pub(super) fn get_call_info(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [call_id] = ctx.params(["CallId"])?;
    let call_id = required(call_id, "CallId")?;
    let world = &ctx.world;
    let mailbox = &world.mailboxes[ctx.mailbox].state.smtp_address;
    let call = world
        .calls
        .get(call_id.trim(), mailbox, world.fixtures.call_step_ms)
        .ok_or_else(|| unknown_call(&call_id))?;
    let xml = element("CallState", call.state.name()) + &element("EventCause", call.event_cause);
    Ok(Done::value(Operation::GetCallInfo, &xml))
}

/// `Disconnect(CallId)`
pub(super) fn disconnect(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [call_id] = ctx.params(["CallId"])?;
    let call_id = required(call_id, "CallId")?;
    let mailbox = ctx.world.mailboxes[ctx.mailbox].state.smtp_address.clone();
    if ctx.world.calls.disconnect(call_id.trim(), &mailbox) {
        Ok(Done::empty())
    } else {
        Err(unknown_call(&call_id))
    }
}

fn unknown_call(call_id: &str) -> Failure {
    Failure::Um {
        exception: "InvalidCallIdException",
        reason: format!("no call '{call_id}' for this mailbox"),
    }
}
