//! `/__admin/requests`: the request journal.

use super::Params;
use crate::journal::RequestFilter;
use crate::state::Shared;
use crate::wire::{WireRequest, WireResponse};

pub(super) fn list(shared: &Shared, request: &WireRequest) -> Result<WireResponse, WireResponse> {
    let params = Params::parse(request, &["operation", "mailbox", "after_id", "limit"])?;
    let filter = RequestFilter {
        operation: params.text("operation"),
        mailbox: params.text("mailbox"),
        after_id: params.number("after_id", u64::MAX)?,
        limit: params.number("limit", u64::MAX)?.map(|n| n as usize),
    };
    let (total, requests, evicted) = shared.with(|w| {
        let (total, page) = w.journal.page(&filter);
        (total, page, w.journal.evicted())
    });
    Ok(WireResponse::json(200, &serde_json::json!({ "total": total, "evicted": evicted, "requests": requests })))
}

pub(super) fn clear(shared: &Shared) -> WireResponse {
    shared.with(|w| w.journal.clear());
    WireResponse::empty(204)
}
