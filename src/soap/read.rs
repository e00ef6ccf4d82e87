//! Reads a SOAP 1.1 request envelope with quick-xml's namespace-aware reader.
//!
//! Only what dispatch needs is kept: the namespace and local name of the first element of
//! `soap:Body`, and the text of each of its child elements. Everything a hostile or broken client
//! might send is refused with a reason: DTDs (so entities are never expanded), undefined entity
//! references, nesting deeper than [`MAX_DEPTH`], encodings other than UTF-8/US-ASCII, a second
//! root element, truncation.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{MessagesNs, SOAP11_ENVELOPE, SOAP12_ENVELOPE};

/// Deepest element nesting accepted; the Envelope is depth 1.
pub(crate) const MAX_DEPTH: usize = 64;

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
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("empty body"));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| invalid(format!("body is not valid UTF-8 ({e})")))?;
    // quick-xml does not check characters; a stored one XML forbids would make every later
    // answer that echoes it unparseable.
    if let Some(c) = text.chars().find(|c| !is_xml_char(*c)) {
        return Err(not_allowed(c));
    }
    let mut reader = NsReader::from_str(text);
    let mut parser = Parser::default();
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok(resolved) => resolved,
            Err(e) => {
                return Err(invalid(format!(
                    "not well-formed XML near byte {}: {e}",
                    reader.error_position()
                )))
            }
        };
        let ns = match ns {
            ResolveResult::Bound(ns) => Some(ns.into_inner().to_vec()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(invalid(format!(
                    "undeclared namespace prefix '{}'",
                    String::from_utf8_lossy(&prefix)
                )));
            }
        };
        match event {
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding =
                        encoding.map_err(|e| invalid(format!("bad XML declaration: {e}")))?;
                    let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                    if !matches!(encoding.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
                        return Err(invalid(format!(
                            "declared encoding '{encoding}' is not supported (UTF-8 only)"
                        )));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(invalid("DTDs and entity declarations are not allowed"))
            }
            Event::Start(start) => parser.open(ns, &start, false)?,
            Event::Empty(start) => parser.open(ns, &start, true)?,
            Event::End(_) => parser.close(),
            Event::Text(t) => {
                let t = t.decode().map_err(|e| invalid(format!("bad text: {e}")))?;
                parser.text(&t)?;
            }
            Event::CData(c) => {
                let c = c.decode().map_err(|e| invalid(format!("bad CDATA: {e}")))?;
                parser.text(&c)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| invalid(format!("bad entity: {e}")))?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(String::from)
                };
                let resolved = resolved.ok_or_else(|| {
                    invalid(format!(
                        "undefined entity '&{};'",
                        String::from_utf8_lossy(&r)
                    ))
                })?;
                if let Some(c) = resolved.chars().find(|c| !is_xml_char(*c)) {
                    return Err(not_allowed(c));
                }
                parser.text(&resolved)?;
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => return parser.finish(),
        }
    }
}

/// XML 1.0's `Char` production: what a document may hold, literally or as a reference.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn not_allowed(c: char) -> ReadError {
    invalid(format!(
        "character U+{:04X} is not allowed in XML",
        u32::from(c)
    ))
}

/// Tracks where the reader is in the envelope.
#[derive(Default)]
struct Parser {
    depth: usize,
    roots: usize,
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
    fn open(
        &mut self,
        ns: Option<Vec<u8>>,
        start: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), ReadError> {
        for attribute in start.attributes() {
            attribute.map_err(|e| invalid(format!("bad attribute: {e}")))?;
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!("elements nested deeper than {MAX_DEPTH}")));
        }
        let local = String::from_utf8_lossy(start.local_name().into_inner()).into_owned();
        let ns = ns.unwrap_or_default();
        match self.depth {
            1 => {
                self.roots += 1;
                if self.roots > 1 {
                    return Err(invalid("more than one root element"));
                }
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
                let ns = MessagesNs::from_uri(&ns).ok_or_else(|| ReadError::WrongNamespace {
                    namespace: String::from_utf8_lossy(&ns).into_owned(),
                    operation: local.clone(),
                })?;
                self.call = Some(SoapCall {
                    ns,
                    operation: local,
                    params: Vec::new(),
                });
            }
            4 if self.in_body && self.call.is_some() && !self.call_done => {
                self.param = Some((local, String::new()))
            }
            _ => {}
        }
        if empty {
            self.close();
        }
        Ok(())
    }

    fn close(&mut self) {
        if self.depth == 4 {
            if let (Some(param), Some(call)) = (self.param.take(), self.call.as_mut()) {
                call.params.push(param);
            }
        }
        if self.depth == 3 && self.in_body {
            self.call_done = true;
        }
        if self.depth == 2 {
            self.in_body = false;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn text(&mut self, text: &str) -> Result<(), ReadError> {
        if self.depth == 0 && !text.trim().is_empty() {
            return Err(invalid("text outside the root element"));
        }
        if self.depth == 4 {
            if let Some((_, value)) = self.param.as_mut() {
                value.push_str(text);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<SoapCall, ReadError> {
        if self.depth != 0 {
            return Err(invalid("the envelope is truncated"));
        }
        if self.roots == 0 {
            return Err(invalid("no root element"));
        }
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
