//! Writes response envelopes: success, the UM operation fault, `ErrorInvalidRequest` and
//! `VersionMismatch`, in Exchange's shapes.

use quick_xml::escape::partial_escape as escape;

use super::{MessagesNs, ERRORS_NS, SOAP11_ENVELOPE, TYPES_NS};

/// The `faultstring` Exchange writes for every malformed request.
pub(crate) const INVALID_REQUEST_TEXT: &str = "The request is invalid.";

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11_ENVELOPE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

/// The envelope's opening, up to the body's content.
const ENVELOPE_OPEN: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/""#,
    r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body>"#
);
const ENVELOPE_CLOSE: &str = "</s:Body></s:Envelope>";

/// `<{operation}Response xmlns="…">{inner}</…>`; `inner` is already XML (empty for void
/// operations). Written piece by piece into one buffer: it is every success's answer.
pub(crate) fn success(ns: MessagesNs, operation: &str, inner: &str) -> String {
    let uri = ns.uri();
    let mut out = String::with_capacity(
        ENVELOPE_OPEN.len()
            + ENVELOPE_CLOSE.len()
            + 2 * operation.len()
            + uri.len()
            + inner.len()
            + 40,
    );
    out.push_str(ENVELOPE_OPEN);
    out.push('<');
    out.push_str(operation);
    out.push_str("Response xmlns=\"");
    out.push_str(uri);
    if inner.is_empty() {
        out.push_str("\"/>");
    } else {
        out.push_str("\">");
        out.push_str(inner);
        out.push_str("</");
        out.push_str(operation);
        out.push_str("Response>");
    }
    out.push_str(ENVELOPE_CLOSE);
    out
}

/// `<{name}>{text}</{name}>` with the text escaped.
pub(crate) fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// A UM operation fault, e.g. `UserNotUmEnabledException`.
pub(crate) fn um_fault(ns: MessagesNs, exception: &str, message: &str) -> String {
    envelope(&format!(
        r#"<s:Fault><faultcode xmlns:a="{ERRORS_NS}">a:{exception}</faultcode><faultstring xml:lang="en-US">{message}</faultstring><detail><m:ExceptionType xmlns:m="{uri}">{exception}</m:ExceptionType></detail></s:Fault>"#,
        uri = ns.uri(),
        message = escape(message),
    ))
}

/// The fault for a malformed or schema-invalid request.
pub(crate) fn invalid_request() -> String {
    envelope(&format!(
        r#"<s:Fault><faultcode xmlns:a="{TYPES_NS}">a:ErrorInvalidRequest</faultcode><faultstring xml:lang="en-US">{INVALID_REQUEST_TEXT}</faultstring><detail><e:ResponseCode xmlns:e="{ERRORS_NS}">ErrorInvalidRequest</e:ResponseCode><e:Message xmlns:e="{ERRORS_NS}">{INVALID_REQUEST_TEXT}</e:Message></detail></s:Fault>"#
    ))
}

/// The SOAP 1.1 fault for an envelope in another SOAP version's namespace.
pub(crate) fn version_mismatch() -> String {
    envelope(&format!(
        r#"<s:Fault><faultcode xmlns:soap="{SOAP11_ENVELOPE}">soap:VersionMismatch</faultcode><faultstring xml:lang="en-US">The envelope namespace is not SOAP 1.1 ({SOAP11_ENVELOPE}).</faultstring></s:Fault>"#
    ))
}

/// Exchange-like message text for the exceptions the double raises or is asked to raise; .NET's
/// own default text for any other exception name.
pub(crate) fn exception_message(exception: &str) -> String {
    match exception {
        "UserNotUmEnabledException" => "The user isn't enabled for Unified Messaging.".into(),
        "InvalidObjectIdException" => "The object ID is invalid.".into(),
        "InvalidCallIdException" => "The call ID is invalid or the call has ended.".into(),
        "ResetPINException" => "The PIN couldn't be reset. Try again later.".into(),
        "TransientException" => "A transient error occurred. Try again later.".into(),
        "ServerBusyException" | "UMServerNotFoundException" => {
            "The Unified Messaging server is busy or unavailable. Try again later.".into()
        }
        other => format!("Exception of type '{other}' was thrown."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_is_the_envelope_around_the_response_element() {
        assert_eq!(
            success(MessagesNs::Http, "ResetPIN", ""),
            envelope(&format!(
                r#"<ResetPINResponse xmlns="{}"/>"#,
                MessagesNs::Http.uri()
            ))
        );
        assert_eq!(
            success(
                MessagesNs::Https,
                "IsUMEnabled",
                "<IsUMEnabledResponse>true</IsUMEnabledResponse>"
            ),
            envelope(&format!(
                r#"<IsUMEnabledResponse xmlns="{}"><IsUMEnabledResponse>true</IsUMEnabledResponse></IsUMEnabledResponse>"#,
                MessagesNs::Https.uri()
            ))
        );
        assert!(ENVELOPE_OPEN.contains(SOAP11_ENVELOPE));
    }
}
