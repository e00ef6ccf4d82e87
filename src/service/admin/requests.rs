//! `/__admin/requests`: the request journal; `/__admin/calls`: the Play on Phone calls placed.

use super::Params;
use crate::domain::journal::RequestFilter;
use crate::state::Shared;
use crate::vocab::wire::WireResponse;

pub(super) fn list(shared: &Shared, params: &Params) -> Result<WireResponse, WireResponse> {
    let filter = RequestFilter {
        operation: params.text("operation"),
        mailbox: params.text("mailbox"),
        after_id: params.number("after_id", u64::MAX)?,
        limit: Some(params.page()?),
    };
    let (total, requests, evicted) = shared.with(|w| w.requests(&filter));
    Ok(WireResponse::json(
        200,
        &serde_json::json!({ "total": total, "evicted": evicted, "requests": requests }),
    ))
}

pub(super) fn clear(shared: &Shared) -> WireResponse {
    shared.with(|w| w.clear_requests());
    WireResponse::empty(204)
}

pub(super) fn calls(shared: &Shared, params: &Params) -> Result<WireResponse, WireResponse> {
    let mailbox = params.text("mailbox");
    let calls: Vec<_> = shared
        .with(|w| w.calls())
        .into_iter()
        .filter(|c| {
            mailbox
                .as_ref()
                .is_none_or(|m| c.mailbox.eq_ignore_ascii_case(m))
        })
        .collect();
    Ok(WireResponse::json(
        200,
        &serde_json::json!({ "total": calls.len(), "calls": calls }),
    ))
}
