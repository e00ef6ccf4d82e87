//! The UM endpoint: from an HTTP request to a decided, journaled answer. Hyper-free, so the
//! server and the wiremock responder share it.
//!
//! Order of checks, as on a real server: method, credentials (IIS answers 401 before reading
//! the body; here, before parsing it), envelope, operation, then the scripted or default
//! outcome. Everything that reads the request happens here, outside the state lock: the
//! caller is identified under one short lock (`World::identify`), the envelope parsed only
//! for a caller who was, and `state::answer` decides under the next.

use crate::domain::journal::Entry;
use crate::service::auth;
use crate::soap::read::{read_envelope, ReadError, SoapCall};
use crate::soap::{write, MessagesNs, CONTENT_TYPE, SOAP11_ENVELOPE};
use crate::state::{Refused, Shared, UmRequest};
use crate::vocab::wire::{Plan, WireRequest, WireResponse};
use crate::vocab::Operation;

pub(crate) use crate::vocab::paths::{SERVICE_PATH_2007, SERVICE_PATH_2010};

/// Whether `path` is one of the endpoints (case-insensitive, like IIS).
pub(crate) fn is_endpoint(path: &str) -> bool {
    [SERVICE_PATH_2007, SERVICE_PATH_2010]
        .iter()
        .any(|p| p.eq_ignore_ascii_case(path))
}

/// Answers a request to an endpoint path; `connection` holds the NTLM handshake, if the
/// request came on one (see [`auth::credentials`]).
pub(crate) fn handle(
    shared: &Shared,
    request: &WireRequest,
    connection: Option<&crate::auth::ConnectionAuth>,
) -> Plan {
    if request.method == "GET" && wants_wsdl(request) {
        let response = WireResponse::new(200, CONTENT_TYPE, wsdl_for(request));
        return journal_only(shared, Entry::new(request), response);
    }
    if request.method != "POST" {
        let response =
            WireResponse::new(405, "text/plain; charset=utf-8", "405 Method Not Allowed")
                .with_header("Allow", "GET, POST");
        let reason = format!(
            "{} is not allowed on the UM endpoint (POST a SOAP envelope, or GET ?wsdl)",
            request.method
        );
        return journal_only(shared, Entry::new(request).because(reason), response);
    }
    let fixtures = shared.fixtures();
    let channel = auth::channel(request);
    let credentials = auth::credentials(request, &fixtures, connection, &channel);
    let negotiate = auth::negotiate_header(&credentials);
    // The caller first, under its own short lock: a client without credentials gets its 401
    // before a byte of the envelope is parsed, so it costs no parse.
    let entry = Entry::new(request);
    let caller = match shared.with(|world| world.identify(entry, credentials, &channel)) {
        Ok(caller) => caller,
        Err(refused) => return auth::with_negotiate_header(refused, negotiate),
    };
    let um = UmRequest {
        caller,
        channel,
        call: read_call(request, shared.config().strict_soap_action),
    };
    auth::with_negotiate_header(shared.with(|world| world.answer_um(um)), negotiate)
}

/// The envelope read, its operation known and (in strict mode) named by `SOAPAction`; or the
/// fault that answers it and why.
fn read_call(request: &WireRequest, strict: bool) -> Result<(Operation, SoapCall), Refused> {
    let refuse = |body: String, reason: String, operation: Option<String>| Refused {
        response: soap(500, body),
        reason,
        operation,
    };
    let call = read_envelope(&request.body).map_err(|error| match error {
        ReadError::VersionMismatch => refuse(
            write::version_mismatch(),
            format!("the envelope is SOAP 1.2; this service speaks SOAP 1.1 ({SOAP11_ENVELOPE})"),
            None,
        ),
        ReadError::Invalid(reason) => refuse(write::invalid_request(), reason, None),
        ReadError::WrongNamespace {
            namespace,
            operation,
        } => refuse(
            write::invalid_request(),
            format!("'{operation}' is in namespace '{namespace}', not the UM messages namespace"),
            Some(operation),
        ),
    })?;
    let Some(operation) = Operation::from_name(&call.operation) else {
        let reason = format!("unknown operation '{}'", call.operation);
        return Err(refuse(
            write::invalid_request(),
            reason,
            Some(call.operation),
        ));
    };
    if strict {
        if let Some(reason) = soap_action_mismatch(request.header("soapaction"), operation) {
            return Err(refuse(
                write::invalid_request(),
                reason,
                Some(call.operation),
            ));
        }
    }
    Ok((operation, call))
}

/// In strict mode, why the `SOAPAction` header does not name the body's operation, if it does
/// not. Either scheme of the messages namespace is accepted; quotes are optional.
fn soap_action_mismatch(header: Option<&str>, operation: Operation) -> Option<String> {
    let Some(header) = header else {
        return Some(format!(
            "no SOAPAction header (strict mode; expected .../messages/{operation})"
        ));
    };
    let action = header.trim().trim_matches('"');
    let named = [MessagesNs::Http, MessagesNs::Https]
        .iter()
        .any(|ns| action == format!("{}/{operation}", ns.uri()));
    (!named).then(|| {
        format!(
            "SOAPAction '{action}' does not name the body's operation {operation} (strict mode)"
        )
    })
}

/// `?wsdl` in any case, with or without a value, among other query parameters.
fn wants_wsdl(request: &WireRequest) -> bool {
    request
        .query_pairs()
        .iter()
        .any(|(key, _)| key.eq_ignore_ascii_case("wsdl"))
}

/// The WSDL pointing back at the URL the client used: its `Host` header and path as sent,
/// with the session prefix.
fn wsdl_for(request: &WireRequest) -> String {
    crate::soap::wsdl::document(&format!("{}{}", request.base_url(), request.path))
}

/// Journals a request the double answered without reaching an operation (WSDL, 404, 405, 413).
pub(crate) fn journal_only(shared: &Shared, entry: Entry, response: WireResponse) -> Plan {
    shared.with(|world| world.journal(entry, Plan::now(response)))
}

fn soap(status: u16, body: String) -> WireResponse {
    WireResponse::new(status, CONTENT_TYPE, body)
}

#[cfg(test)]
pub(super) mod tests;
