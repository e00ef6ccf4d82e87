//! Routes a request: first to its double (the root, or the session whose prefix it came
//! under), then to the admin API, the UM endpoint, Autodiscover, or 404.

use std::sync::Arc;

use super::{admin, autodiscover, endpoint};
use crate::auth::ConnectionAuth;
use crate::domain::journal::Entry;
use crate::state::{Doubles, Shared};
use crate::vocab::paths::SESSIONS_PREFIX;
use crate::vocab::stop::Stop;
use crate::vocab::wire::{Plan, WireRequest, WireResponse};

/// The double a request is for, and the request as that double sees it.
pub(crate) struct Target {
    pub(crate) shared: Shared,
    /// Its `path` below the session's prefix, received by the session's clock.
    pub(crate) request: WireRequest,
    /// The server's stop, or the session's end, whichever comes first.
    pub(crate) stop: Stop,
    /// The connection's authentication with this double.
    pub(crate) connection: ConnectionAuth,
}

/// Finds the double `request` is for: the session whose prefix (`/sessions/ID`) it came under
/// (a use of it), or the root, and stamps it with that double's clock. A request under the prefix of a session that does not exist
/// (or has ended) is answered here: 404, journaled at the root.
pub(crate) fn locate(
    doubles: &Doubles,
    request: WireRequest,
    stop: Stop,
    connection: &ConnectionAuth,
) -> Result<Target, Plan> {
    let Some(id) = session_id(&request.path) else {
        let root = doubles.root();
        return Ok(Target {
            request: request.received(root.now()),
            shared: root.clone(),
            stop,
            connection: connection.clone(),
        });
    };
    let Some(session) = doubles.used(id) else {
        let response = WireResponse::new(
            404,
            "text/plain; charset=utf-8",
            "404 - File or directory not found.",
        );
        let reason = format!("no session '{id}'");
        let root = doubles.root();
        let request = request.received(root.now());
        return Err(endpoint::journal_only(
            root,
            Entry::new(&request).because(reason),
            response,
        ));
    };
    let prefix = session.prefix();
    let shared = session.double().clone();
    let at = shared.now();
    Ok(Target {
        request: request.under(prefix).received(at),
        stop: stop.or(&session.ended()),
        connection: connection.scoped(Arc::clone(prefix)),
        shared,
    })
}

/// The session id of a path under `/sessions/ID`, if it is one.
fn session_id(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(SESSIONS_PREFIX)?.strip_prefix('/')?;
    let id = rest.split('/').next().unwrap_or_default();
    (!id.is_empty()).then_some(id)
}

/// Answers `target`'s request; `doubles` serves the root's session routes.
pub(crate) async fn route(doubles: &Doubles, target: &Target) -> Plan {
    let Target {
        shared,
        request,
        stop,
        connection,
    } = target;
    if admin::is_admin(&request.path) {
        return Plan::now(admin::handle(doubles, shared, request, stop.clone()).await);
    }
    if request.path == "/" && matches!(request.method.as_str(), "GET" | "HEAD") {
        // The front door for a person with a browser: the web inbox (not journaled, like the
        // admin API it belongs to).
        return Plan::now(
            WireResponse::empty(302)
                .with_header(
                    "Location",
                    format!("{}{}", request.prefix, crate::service::ui::PATH),
                )
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
        "no UM endpoint at {} (use {prefix}{} or {prefix}{})",
        request.path_and_query(),
        endpoint::SERVICE_PATH_2007,
        endpoint::SERVICE_PATH_2010,
        prefix = request.prefix,
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
