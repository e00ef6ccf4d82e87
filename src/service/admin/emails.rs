//! `/__admin/emails`: captured PIN emails, with long-polling (`wait_ms`).

use std::time::Duration;

use super::route::{Answer, Call};
use super::{id, Params};
use crate::domain::mail::EmailFilter;
use crate::state::Shared;
use crate::vocab::wire::WireResponse;

/// The filters of a list or of `latest`, without the page size.
fn filter(params: &Params) -> Result<EmailFilter, WireResponse> {
    Ok(EmailFilter {
        to: params.text("to"),
        mailbox: params.text("mailbox"),
        after_id: params.number("after_id", u64::MAX)?,
        limit: None,
    })
}

pub(super) async fn list(call: &Call<'_>) -> Answer {
    let (shared, params, stop) = (call.shared, &call.query, call.stop.clone().wait());
    let filter = EmailFilter {
        limit: Some(params.page()?),
        ..filter(params)?
    };
    let wait = Duration::from_millis(params.wait_ms()?);
    let (total, emails, evicted) = shared.wait_for_emails(&filter, wait, stop).await;
    Ok(WireResponse::json(
        200,
        &serde_json::json!({ "total": total, "evicted": evicted, "emails": emails }),
    ))
}

pub(super) async fn latest(call: &Call<'_>) -> Answer {
    let (shared, params, stop) = (call.shared, &call.query, call.stop.clone().wait());
    // `limit` is accepted as in the list, and has no effect: the newest is one.
    params.number("limit", u64::MAX)?;
    let filter = filter(params)?;
    let wait = Duration::from_millis(params.wait_ms()?);
    shared.wait_for_emails(&filter, wait, stop).await;
    match shared.with(|w| w.latest_email(&filter)) {
        Some(email) => Ok(WireResponse::json(200, &email)),
        None => Err(WireResponse::json_error(404, "no email matches")),
    }
}

pub(super) fn one(shared: &Shared, segment: &str) -> Result<WireResponse, WireResponse> {
    let id = id(segment, "an email")?;
    match shared.with(|w| w.email(id)) {
        Some(email) => Ok(WireResponse::json(200, &email)),
        None => Err(WireResponse::json_error(404, format!("no email {id}"))),
    }
}

pub(super) fn raw(shared: &Shared, segment: &str) -> Result<WireResponse, WireResponse> {
    let id = id(segment, "an email")?;
    match shared.with(|w| w.email_source(id)) {
        Some(text) => Ok(WireResponse::new(200, "message/rfc822", text)),
        None => Err(WireResponse::json_error(404, format!("no email {id}"))),
    }
}

/// The email's HTML body as a page of its own, for the web inbox's sandboxed `<iframe>`. The
/// HTML is written by whoever wrote the template (captured data, shown as text only elsewhere): its own CSP lets
/// it have inline styles and nothing else (no script, no request anywhere).
pub(super) fn html(shared: &Shared, segment: &str) -> Result<WireResponse, WireResponse> {
    let id = id(segment, "an email")?;
    match shared.with(|w| w.email(id)) {
        Some(email) => Ok(
            WireResponse::new(200, "text/html; charset=utf-8", email.html_body)
                .with_header("Content-Security-Policy", HTML_CSP)
                .with_header("X-Content-Type-Options", "nosniff")
                .with_header("Cache-Control", "no-cache"),
        ),
        None => Err(WireResponse::json_error(404, format!("no email {id}"))),
    }
}

/// The policy an email's HTML is shown under.
pub(crate) const HTML_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'self'; sandbox";

pub(super) fn clear(shared: &Shared) -> WireResponse {
    shared.with(|w| w.clear_emails());
    WireResponse::empty(204)
}
