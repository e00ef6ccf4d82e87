//! Routes a request: the admin API, the UM endpoint, Autodiscover, or 404.

use super::{admin, autodiscover, endpoint};
use crate::auth::ConnectionAuth;
use crate::domain::journal::Entry;
use crate::state::Shared;
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Plan, WireRequest, WireResponse};

/// Answers `request`; `connection` is the authentication state of the connection it came on.
pub(crate) async fn route(
    shared: &Shared,
    request: &WireRequest,
    stop: Stop,
    connection: &ConnectionAuth,
) -> Plan {
    if admin::is_admin(&request.path) {
        return Plan::now(admin::handle(shared, request, stop).await);
    }
    if request.path == "/" && matches!(request.method.as_str(), "GET" | "HEAD") {
        // The front door for a person with a browser: the web inbox (not journaled, like the
        // admin API it belongs to).
        return Plan::now(
            WireResponse::empty(302)
                .with_header("Location", crate::service::ui::PATH)
                .with_header("Cache-Control", "no-cache"),
        );
    }
    let endpoint = endpoint::is_endpoint(&request.path);
    let autodiscover = autodiscover::is_autodiscover(&request.path);
    if (endpoint || autodiscover) && request.scheme != "https" && shared.fixtures().require_ssl {
        return ssl_required(shared, request);
    }
    if endpoint {
        return endpoint::handle(shared, request, Some(connection));
    }
    if autodiscover {
        return autodiscover::handle(shared, request, Some(connection));
    }
    let response = WireResponse::new(
        404,
        "text/plain; charset=utf-8",
        "404 - File or directory not found.",
    );
    let reason = format!(
        "no UM endpoint at {} (use {} or {})",
        request.path,
        endpoint::SERVICE_PATH_2007,
        endpoint::SERVICE_PATH_2010
    );
    endpoint::journal_only(shared, Entry::new(request).because(reason), response)
}

/// IIS's answer on a virtual directory that requires SSL (`server.require_ssl`) to a request
/// on plain http: 403 before any authentication, journaled.
fn ssl_required(shared: &Shared, request: &WireRequest) -> Plan {
    let response = WireResponse::new(
        403,
        "text/plain; charset=utf-8",
        "403 - Forbidden: Access is denied.",
    );
    let reason = "SSL is required".to_string();
    endpoint::journal_only(shared, Entry::new(request).because(reason), response)
}

/// The answer to a body over `--max-body-bytes`: 413, journaled unless it was an admin request.
pub(crate) fn too_large(shared: &Shared, request: &WireRequest) -> Plan {
    let limit = shared.config().max_body_bytes;
    let reason = format!("the body is over --max-body-bytes ({limit} bytes)");
    if admin::is_admin(&request.path) {
        return Plan::now(WireResponse::json_error(413, reason).with_header("Connection", "close"));
    }
    let response = WireResponse::new(
        413,
        "text/plain; charset=utf-8",
        "413 Request Entity Too Large",
    )
    .with_header("Connection", "close");
    endpoint::journal_only(shared, Entry::new(request).because(reason), response)
}

/// The answer to a body that stopped coming (`late` says which limit passed): 408 and the
/// connection closed, journaled unless it was an admin request. Nothing is performed for a
/// request never received whole.
pub(crate) fn body_late(shared: &Shared, request: &WireRequest, late: &str) -> Plan {
    let reason = format!("the body stopped arriving: {late}");
    if admin::is_admin(&request.path) {
        return Plan::now(WireResponse::json_error(408, reason).with_header("Connection", "close"));
    }
    let response = WireResponse::new(408, "text/plain; charset=utf-8", "408 Request Timeout")
        .with_header("Connection", "close");
    endpoint::journal_only(shared, Entry::new(request).because(reason), response)
}

/// The answer to a body that ended before its Content-Length or could not be read: 400,
/// journaled unless it was an admin request. Nothing is performed for a request never received
/// whole.
pub(crate) fn incomplete(shared: &Shared, request: &WireRequest, error: &str) -> Plan {
    let reason =
        format!("the body could not be read to its Content-Length or final chunk ({error})");
    if admin::is_admin(&request.path) {
        return Plan::now(WireResponse::json_error(400, reason).with_header("Connection", "close"));
    }
    let response = WireResponse::new(400, "text/plain; charset=utf-8", "400 Bad Request")
        .with_header("Connection", "close");
    endpoint::journal_only(shared, Entry::new(request).because(reason), response)
}
