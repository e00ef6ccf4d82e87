//! The one hardened XML reader: every XML document a client sends (a SOAP envelope, an
//! Autodiscover request) is read through [`read`], so every reader refuses the same things.
//!
//! Refused with a reason: a body that is not UTF-8 or declares another encoding, a DTD (so
//! entities are never expanded), an undefined entity, a character XML 1.0 does not allow
//! (literally or as a reference), an undeclared prefix, nesting deeper than [`MAX_DEPTH`], a
//! second root, text outside the root, truncation. What is left is a stream of [`Node`]s that
//! the caller folds into what it needs.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deepest element nesting accepted; the root element is depth 1.
pub(crate) const MAX_DEPTH: usize = 64;

/// XML 1.0's `Char` production: what a document may hold, literally or as a reference.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` that XML cannot hold, as a problem to report.
pub(crate) fn forbidden_char(text: &str) -> Option<String> {
    // Printable ASCII, tab and line breaks are the whole of most documents: a byte scan
    // settles them without decoding characters.
    if text
        .bytes()
        .all(|b| (0x20..0x80).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return None;
    }
    text.chars()
        .find(|c| !is_xml_char(*c))
        .map(|c| format!("character U+{:04X} is not allowed in XML", u32::from(c)))
}

/// Why a document could not be read (a human reason for the journal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError(pub(crate) String);

/// One step through a well-formed, checked document.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    /// An element opens at `depth` (the root is 1). An empty element is followed at once by
    /// its `Close`.
    Open {
        depth: usize,
        /// The resolved namespace URI; empty when unbound.
        ns: &'a [u8],
        local: &'a str,
    },
    /// The element at `depth` closes.
    Close { depth: usize },
    /// Text (entities resolved) inside the element at `depth`; 0 is outside the root, where
    /// only white space reaches the caller.
    Text { depth: usize, text: &'a str },
}

/// Reads `body`, handing each [`Node`] to `visit`; the first error (the reader's or
/// `visit`'s) ends the read. `what` names the document in reasons ("the envelope is truncated").
pub(crate) fn read<E: From<XmlError>>(
    body: &[u8],
    what: &str,
    mut visit: impl FnMut(Node<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let fail = |reason: String| E::from(XmlError(reason));
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("empty body".into()));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| fail(format!("body is not valid UTF-8 ({e})")))?;
    // quick-xml does not check characters; a stored one XML forbids would make every later
    // answer that echoes it unparseable.
    if let Some(problem) = forbidden_char(text) {
        return Err(fail(problem));
    }
    let mut reader = NsReader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok(resolved) => resolved,
            Err(e) => {
                return Err(fail(format!(
                    "not well-formed XML near byte {}: {e}",
                    reader.error_position()
                )))
            }
        };
        let ns: &[u8] = match ns {
            ResolveResult::Bound(ns) => ns.into_inner(),
            ResolveResult::Unbound => b"",
            ResolveResult::Unknown(prefix) => {
                return Err(fail(format!(
                    "undeclared namespace prefix '{}'",
                    String::from_utf8_lossy(&prefix)
                )));
            }
        };
        match event {
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding =
                        encoding.map_err(|e| fail(format!("bad XML declaration: {e}")))?;
                    let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                    if !matches!(encoding.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
                        return Err(fail(format!(
                            "declared encoding '{encoding}' is not supported (UTF-8 only)"
                        )));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(fail("DTDs and entity declarations are not allowed".into()))
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                check_attributes(start).map_err(fail)?;
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(fail(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                if depth == 1 {
                    roots += 1;
                    if roots > 1 {
                        return Err(fail("more than one root element".into()));
                    }
                }
                let local = String::from_utf8_lossy(start.local_name().into_inner());
                visit(Node::Open {
                    depth,
                    ns,
                    local: &local,
                })?;
                if matches!(event, Event::Empty(_)) {
                    visit(Node::Close { depth })?;
                    depth -= 1;
                }
            }
            Event::End(_) => {
                visit(Node::Close { depth })?;
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                let t = t.decode().map_err(|e| fail(format!("bad text: {e}")))?;
                text_node(depth, &t, &mut visit)?;
            }
            Event::CData(c) => {
                let c = c.decode().map_err(|e| fail(format!("bad CDATA: {e}")))?;
                text_node(depth, &c, &mut visit)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    let name = r.decode().map_err(|e| fail(format!("bad entity: {e}")))?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(String::from)
                };
                let resolved = resolved.ok_or_else(|| {
                    fail(format!(
                        "undefined entity '&{};'",
                        String::from_utf8_lossy(&r)
                    ))
                })?;
                if let Some(problem) = forbidden_char(&resolved) {
                    return Err(fail(problem));
                }
                text_node(depth, &resolved, &mut visit)?;
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                if depth != 0 {
                    return Err(fail(format!("the {what} is truncated")));
                }
                if roots == 0 {
                    return Err(fail("no root element".into()));
                }
                return Ok(());
            }
        }
    }
}

fn text_node<E: From<XmlError>>(
    depth: usize,
    text: &str,
    visit: &mut impl FnMut(Node<'_>) -> Result<(), E>,
) -> Result<(), E> {
    if depth == 0 && !text.trim().is_empty() {
        return Err(E::from(XmlError("text outside the root element".into())));
    }
    visit(Node::Text { depth, text })
}

fn check_attributes(start: &BytesStart<'_>) -> Result<(), String> {
    for attribute in start.attributes() {
        attribute.map_err(|e| format!("bad attribute: {e}"))?;
    }
    Ok(())
}

impl From<XmlError> for String {
    fn from(error: XmlError) -> String {
        error.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(xml: &str) -> String {
        read::<String>(xml.as_bytes(), "document", |_| Ok(())).unwrap_err()
    }

    #[test]
    fn hostile_and_broken_documents_are_refused_with_a_reason() {
        for (xml, expected) in [
            ("", "empty body"),
            ("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", "DTDs"),
            ("<a>&nope;</a>", "undefined entity"),
            ("<a>&#1;</a>", "U+0001"),
            ("<a>\u{1}</a>", "U+0001"),
            ("<p:a/>", "undeclared namespace prefix 'p'"),
            ("<a/><b/>", "more than one root"),
            ("<a>", "truncated"),
            ("x<a/>", "text outside"),
            (
                "<?xml version='1.0' encoding='latin1'?><a/>",
                "encoding 'latin1'",
            ),
        ] {
            let got = problem(xml);
            assert!(got.contains(expected), "{xml:?}: {got}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(problem(&deep).contains("nested deeper than 64"));
        assert!(problem("<a>\u{FFFE}</a>").contains("U+FFFE"));
    }

    #[test]
    fn nodes_come_with_depth_namespace_and_resolved_text() {
        let mut seen = Vec::new();
        read::<String>(
            "\u{FEFF}<a xmlns='urn:x'><b>1 &amp; 2</b><c/></a>".as_bytes(),
            "document",
            |node| {
                seen.push(match node {
                    Node::Open { depth, ns, local } => {
                        format!("open {depth} {} {local}", String::from_utf8_lossy(ns))
                    }
                    Node::Close { depth } => format!("close {depth}"),
                    Node::Text { depth, text } => format!("text {depth} {text}"),
                });
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                "open 1 urn:x a",
                "open 2 urn:x b",
                "text 2 1 ",
                "text 2 &",
                "text 2  2",
                "close 2",
                "open 2 urn:x c",
                "close 2",
                "close 1"
            ]
        );
    }
}
