//! The one hardened XML reader: every XML document a client sends (a SOAP envelope, an
//! Autodiscover request) is read through [`read`], so every reader refuses the same things.
//!
//! Refused with a reason: a body that is not UTF-8 or declares another encoding, a DTD (so
//! entities are never expanded), an undefined entity, a character XML 1.0 does not allow
//! (literally or as a reference), an undeclared prefix, nesting deeper than [`MAX_DEPTH`], a
//! second root, text outside the root, truncation, an attribute named twice, more than
//! [`MAX_NAMESPACES_IN_SCOPE`] namespace declarations in scope. What is left is a stream of
//! [`Node`]s that the caller folds into what it needs.
//!
//! Every check is linear in the document's size, whatever a client piles into it (the body is
//! read before anyone is authenticated): attribute names are compared through a hash set once
//! an element has more than a few, and the declarations quick-xml scans to resolve each prefix
//! are capped.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deepest element nesting accepted; the root element is depth 1.
pub(crate) const MAX_DEPTH: usize = 64;

/// Most namespace declarations (`xmlns`, `xmlns:p`) in scope at once. quick-xml resolves each
/// element and attribute prefix by scanning the declarations in scope, so without a cap a
/// document declaring thousands and then naming thousands of elements costs their product. A
/// real envelope declares fewer than ten; as many as the nesting may be deep leaves room for
/// one on every element.
pub(crate) const MAX_NAMESPACES_IN_SCOPE: usize = MAX_DEPTH;

/// Attributes compared pairwise before their names go into a hash set: most elements have
/// one or two, and a set would allocate for each.
const FEW_ATTRIBUTES: usize = 8;

/// XML 1.0's `Char` production: what a document may hold, literally or as a reference.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` that XML cannot hold, as a problem to report.
pub(crate) fn forbidden_char(text: &str) -> Option<String> {
    // Printable ASCII, tab and line breaks are the whole of most documents: a byte scan
    // settles them without decoding characters.
    // `fold`, not `all`: without the early exit the compiler checks many bytes at a time.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & ((0x20..0x80).contains(&b) | (b == b'\t') | (b == b'\n') | (b == b'\r'))
    });
    if plain {
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
    // The namespace declarations of each open element (at most `MAX_DEPTH` + 1 entries) and
    // their sum, the declarations quick-xml scans when it resolves a prefix.
    let mut declared: Vec<usize> = Vec::new();
    let mut in_scope = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return Err(fail(format!(
                    "not well-formed XML near byte {}: {e}",
                    reader.error_position()
                )))
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
                // Counted before any attribute prefix is resolved, so no resolution scans
                // more than the cap (plus this element's own declarations, once).
                let declarations = count_declarations(start).map_err(fail)?;
                in_scope += declarations;
                declared.push(declarations);
                if in_scope > MAX_NAMESPACES_IN_SCOPE {
                    return Err(fail(format!(
                        "more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations in scope"
                    )));
                }
                check_attributes(&reader, start, in_scope).map_err(fail)?;
                count_work(in_scope);
                let ns: &[u8] = match reader.resolve_element(start.name()).0 {
                    ResolveResult::Bound(ns) => ns.into_inner(),
                    ResolveResult::Unbound => b"",
                    ResolveResult::Unknown(prefix) => {
                        return Err(fail(format!(
                            "undeclared namespace prefix '{}'",
                            String::from_utf8_lossy(&prefix)
                        )));
                    }
                };
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
                // A slice of the checked `&str` cut at an ASCII `:`, so always UTF-8.
                let local = std::str::from_utf8(start.local_name().into_inner())
                    .map_err(|e| fail(format!("bad element name: {e}")))?;
                visit(Node::Open { depth, ns, local })?;
                if matches!(event, Event::Empty(_)) {
                    visit(Node::Close { depth })?;
                    depth -= 1;
                    in_scope -= declared.pop().unwrap_or(0);
                }
            }
            Event::End(_) => {
                visit(Node::Close { depth })?;
                depth = depth.saturating_sub(1);
                in_scope -= declared.pop().unwrap_or(0);
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

/// How many namespace declarations `start` makes; each attribute is well-formed.
fn count_declarations(start: &BytesStart<'_>) -> Result<usize, String> {
    let mut declarations = 0;
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        count_work(1);
        if attribute.key.as_namespace_binding().is_some() {
            declarations += 1;
        }
    }
    Ok(declarations)
}

/// No two attributes of `start` have the same name once prefixes are resolved (`a:x` and `b:x`
/// with `a` and `b` bound to one namespace are the same name), and every prefix is declared.
/// `in_scope` is what resolving one prefix may scan.
fn check_attributes<R>(
    reader: &NsReader<R>,
    start: &BytesStart<'_>,
    in_scope: usize,
) -> Result<(), String> {
    // On the stack: most elements never need the set (which allocates only when used).
    let mut few: [(&[u8], &[u8]); FEW_ATTRIBUTES] = [(&[], &[]); FEW_ATTRIBUTES];
    let mut seen = 0;
    let mut many: HashSet<(&[u8], &[u8])> = HashSet::new();
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        let qname = attribute.key;
        let (ns, local) = if qname.prefix().is_some() {
            count_work(in_scope);
            match reader.resolve_attribute(qname) {
                (ResolveResult::Bound(ns), local) => (ns.into_inner(), local.into_inner()),
                (ResolveResult::Unbound, local) => (&b""[..], local.into_inner()),
                (ResolveResult::Unknown(prefix), _) => {
                    return Err(format!(
                        "undeclared namespace prefix '{}'",
                        String::from_utf8_lossy(&prefix)
                    ))
                }
            }
        } else {
            (&b""[..], qname.into_inner())
        };
        let name = (ns, local);
        let repeated = if seen < FEW_ATTRIBUTES {
            count_work(seen);
            let repeated = few[..seen].contains(&name);
            few[seen] = name;
            seen += 1;
            repeated
        } else {
            if many.is_empty() {
                many.extend(few.iter().copied());
            }
            count_work(1);
            !many.insert(name)
        };
        if repeated {
            return Err(format!(
                "bad attribute: '{}' appears twice",
                String::from_utf8_lossy(qname.into_inner())
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// Name comparisons, hash-set probes and namespace declarations a resolution may scan:
    /// what the reader's work on a document is made of, counted so a test can see it is linear.
    static WORK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The reader's work on this thread so far (see `WORK`): for a test elsewhere to see whether
/// a document was read at all.
#[cfg(test)]
pub(crate) fn work_so_far() -> usize {
    WORK.with(std::cell::Cell::get)
}

#[inline]
fn count_work(_steps: usize) {
    #[cfg(test)]
    WORK.with(|work| work.set(work.get() + _steps));
}

impl From<XmlError> for String {
    fn from(error: XmlError) -> String {
        error.0
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
