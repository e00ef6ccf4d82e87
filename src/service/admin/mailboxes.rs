//! `/__admin/mailboxes`: mailbox state, and run-time changes to it.

use super::{json_body, problem_list};
use crate::domain::mailbox::MailboxPatch;
use crate::state::Shared;
use crate::vocab::wire::{WireRequest, WireResponse};

pub(super) fn list(shared: &Shared) -> WireResponse {
    let mailboxes: Vec<_> = shared.with(|w| w.mailboxes());
    WireResponse::json(
        200,
        &serde_json::json!({ "total": mailboxes.len(), "mailboxes": mailboxes }),
    )
}

pub(super) fn one(shared: &Shared, address: &str) -> WireResponse {
    match shared.with(|w| w.mailbox(address)) {
        Some(state) => WireResponse::json(200, &state),
        None => WireResponse::json_error(404, format!("no mailbox '{address}'")),
    }
}

pub(super) fn patch(
    shared: &Shared,
    address: &str,
    request: &WireRequest,
) -> Result<WireResponse, WireResponse> {
    let patch: MailboxPatch = json_body(request)?;
    match shared.with(|w| w.update_mailbox(address, patch)) {
        Ok(Some(state)) => Ok(WireResponse::json(200, &state)),
        Ok(None) => Err(WireResponse::json_error(
            404,
            format!("no mailbox '{address}'"),
        )),
        Err(problems) => Err(problem_list(
            400,
            "the mailbox was not changed",
            problems.iter().map(ToString::to_string),
        )),
    }
}
