//! Reads a SOAP 1.1 request envelope through the one hardened XML reader
//! ([`crate::vocab::xml`]), which refuses DTDs, undefined entities, deep nesting, other
//! encodings, forbidden characters and truncation.
//!
//! Only what dispatch needs is kept: the namespace and local name of the first element of
//! `soap:Body`, and the text of each of its child elements.

use super::{MessagesNs, SOAP11_ENVELOPE, SOAP12_ENVELOPE};
use crate::vocab::xml::{self, Node, XmlError};

/// The operation a well-formed envelope asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoapCall {
    pub(crate) ns: MessagesNs,
    /// Local name of the first element of `soap:Body` (the operation, case as sent).
    pub(crate) operation: String,
    /// Each child element of the operation element: (local name, text content).
    pub(crate) params: Vec<(String, String)>,
}

#[cfg(test)]
impl SoapCall {
    /// The text of parameter `name` (exact case); `None` when absent.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why an envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Not a readable SOAP 1.1 request: answered with `ErrorInvalidRequest`.
    Invalid(String),
    /// A SOAP 1.2 envelope: answered with a `VersionMismatch` fault.
    VersionMismatch,
    /// The body element is in a namespace other than the UM messages namespace.
    WrongNamespace {
        namespace: String,
        operation: String,
    },
}

fn invalid(reason: impl Into<String>) -> ReadError {
    ReadError::Invalid(reason.into())
}

/// Parses `body` as a SOAP 1.1 request envelope.
pub(crate) fn read_envelope(body: &[u8]) -> Result<SoapCall, ReadError> {
    let mut parser = Parser::default();
    xml::read(body, "envelope", |node| match node {
        Node::Open { depth, ns, local } => parser.open(depth, ns, local),
        Node::Close { depth } => {
            parser.close(depth);
            Ok(())
        }
        Node::Text { depth, text } => {
            parser.text(depth, text);
            Ok(())
        }
    })?;
    parser.finish()
}

impl From<XmlError> for ReadError {
    fn from(error: XmlError) -> Self {
        ReadError::Invalid(error.0)
    }
}

/// Tracks where the reader is in the envelope.
#[derive(Default)]
struct Parser {
    /// Inside `soap:Body`.
    in_body: bool,
    seen_body: bool,
    call: Option<SoapCall>,
    /// The operation element has closed: later body elements are ignored.
    call_done: bool,
    /// A parameter element being read (depth 4), with its text so far.
    param: Option<(String, String)>,
}

impl Parser {
    fn open(&mut self, depth: usize, ns: &[u8], local: &str) -> Result<(), ReadError> {
        match depth {
            1 => {
                if local == "Envelope" && ns == SOAP12_ENVELOPE.as_bytes() {
                    return Err(ReadError::VersionMismatch);
                }
                if local != "Envelope" || ns != SOAP11_ENVELOPE.as_bytes() {
                    return Err(invalid(format!(
                        "the root element is '{local}', not a SOAP 1.1 Envelope"
                    )));
                }
            }
            2 if ns == SOAP11_ENVELOPE.as_bytes() && local == "Body" => {
                self.in_body = true;
                self.seen_body = true;
            }
            2 if ns == SOAP11_ENVELOPE.as_bytes() && local == "Header" => {}
            2 => {
                return Err(invalid(format!(
                    "unexpected element '{local}' in the Envelope"
                )))
            }
            3 if self.in_body && self.call.is_none() => {
                let ns = MessagesNs::from_uri(ns).ok_or_else(|| ReadError::WrongNamespace {
                    namespace: String::from_utf8_lossy(ns).into_owned(),
                    operation: local.to_string(),
                })?;
                self.call = Some(SoapCall {
                    ns,
                    operation: local.to_string(),
                    params: Vec::new(),
                });
            }
            4 if self.in_body && self.call.is_some() && !self.call_done => {
                self.param = Some((local.to_string(), String::new()))
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, depth: usize) {
        if depth == 4 {
            if let (Some(param), Some(call)) = (self.param.take(), self.call.as_mut()) {
                call.params.push(param);
            }
        }
        if depth == 3 && self.in_body {
            self.call_done = true;
        }
        if depth == 2 {
            self.in_body = false;
        }
    }

    fn text(&mut self, depth: usize, text: &str) {
        if depth == 4 {
            if let Some((_, value)) = self.param.as_mut() {
                value.push_str(text);
            }
        }
    }

    fn finish(self) -> Result<SoapCall, ReadError> {
        if !self.seen_body {
            return Err(invalid("the Envelope has no Body"));
        }
        self.call.ok_or_else(|| invalid("the Body is empty"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTP_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";

    fn envelope(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body>{body}</soap:Body></soap:Envelope>"#
        )
    }

    fn reason(body: &[u8]) -> String {
        match read_envelope(body) {
            Err(ReadError::Invalid(reason)) => reason,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn reads_the_operation_and_its_parameters_in_either_namespace() {
        let call = read_envelope(
            envelope(&format!(
                r#"<SetOofStatus xmlns="{HTTP_NS}"><status>true</status></SetOofStatus>"#
            ))
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(call.ns, MessagesNs::Http);
        assert_eq!(call.operation, "SetOofStatus");
        assert_eq!(call.param("status"), Some("true"));

        let https = r#"<m:ResetPIN xmlns:m="https://schemas.microsoft.com/exchange/services/2006/messages"/>"#;
        let call = read_envelope(envelope(https).as_bytes()).unwrap();
        assert_eq!(
            (call.ns, call.operation.as_str()),
            (MessagesNs::Https, "ResetPIN")
        );
    }

    #[test]
    fn resolves_predefined_and_character_entities_in_parameters() {
        let body = format!(
            r#"<SetPlayOnPhoneDialString xmlns="{HTTP_NS}"><dialString>a&amp;b&#x41;&lt;</dialString></SetPlayOnPhoneDialString>"#
        );
        assert_eq!(
            read_envelope(envelope(&body).as_bytes())
                .unwrap()
                .param("dialString"),
            Some("a&bA<")
        );
    }

    #[test]
    fn refuses_hostile_and_broken_input_with_a_reason() {
        let dtd = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">&lol;</ResetPIN></soap:Body></soap:Envelope>"#;
        assert!(reason(dtd.as_bytes()).contains("DTD"));
        assert!(reason(b"").contains("empty"));
        assert!(reason(b"not xml at all").contains("outside the root"));
        assert!(reason(b"\xff\xfe<").contains("UTF-8"));
        let latin1 = envelope("").replace("utf-8", "iso-8859-1");
        assert!(reason(latin1.as_bytes()).contains("iso-8859-1"));
        let deep = format!("{}{}", "<a>".repeat(70), "</a>".repeat(70));
        assert!(reason(
            envelope(&format!(r#"<ResetPIN xmlns="{HTTP_NS}">{deep}</ResetPIN>"#)).as_bytes()
        )
        .contains("deeper than 64"));
        assert!(reason(envelope("").as_bytes()).contains("Body is empty"));
        let undefined = envelope(&format!(
            r#"<ResetPIN xmlns="{HTTP_NS}"><x>&xxe;</x></ResetPIN>"#
        ));
        assert!(reason(undefined.as_bytes()).contains("undefined entity"));
    }

    #[test]
    fn a_truncated_envelope_is_refused() {
        let full = envelope(&format!(r#"<ResetPIN xmlns="{HTTP_NS}"/>"#));
        for cut in [40, full.len() / 2, full.len() - 5] {
            assert!(
                read_envelope(&full.as_bytes()[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn tells_soap_12_and_foreign_namespaces_apart() {
        let soap12 = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
        assert_eq!(
            read_envelope(soap12.as_bytes()),
            Err(ReadError::VersionMismatch)
        );
        let foreign = envelope(r#"<ResetPIN xmlns="urn:other"/>"#);
        assert_eq!(
            read_envelope(foreign.as_bytes()),
            Err(ReadError::WrongNamespace {
                namespace: "urn:other".into(),
                operation: "ResetPIN".into()
            })
        );
    }
}
