//! `GetUMProperties`: the caller's UM settings, fields in the schema's order; absent values are
//! omitted.

use super::{Ctx, Done, Failure};
use crate::soap::write::element;
use crate::vocab::Operation;

pub(super) fn run(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let fixtures = ctx.fixtures;
    let state = &ctx.mailbox().state;
    let properties = &state.properties;
    let numbers = state
        .dial_plan
        .as_ref()
        .and_then(|plan| fixtures.dial_plans.get(plan))
        .map(|plan| plan.access_numbers.join(", "));
    let mut xml = element("OofStatus", bool_text(properties.oof_status));
    xml += &element(
        "MissedCallNotificationEnabled",
        bool_text(properties.missed_call_notification_enabled),
    );
    for (name, value) in [
        (
            "PlayOnPhoneDialString",
            properties.play_on_phone_dial_string.as_deref(),
        ),
        (
            "TelephoneAccessNumbers",
            numbers.as_deref().filter(|n| !n.is_empty()),
        ),
        (
            "TelephoneAccessFolderEmail",
            properties.telephone_access_folder_email.as_deref(),
        ),
    ] {
        if let Some(value) = value {
            xml += &element(name, value);
        }
    }
    Ok(Done::value(Operation::GetUmProperties, &xml))
}

fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}
