//! The reader's refusals, its nodes, and the work it does on hostile documents.

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
fn an_attribute_named_twice_is_refused_however_many_come_before_it() {
    let names: Vec<String> = (0..12).map(|i| format!("a{i}='v'")).collect();
    for count in [1, 7, 8, 9, 12] {
        let distinct = format!("<r {}/>", names[..count].join(" "));
        assert_eq!(
            read::<String>(distinct.as_bytes(), "document", |_| Ok(())),
            Ok(())
        );
        for repeated in [0, count - 1] {
            let twice = format!("<r {} a{repeated}='w'/>", names[..count].join(" "));
            let got = problem(&twice);
            assert!(
                got.contains(&format!("'a{repeated}' appears twice")),
                "{twice}: {got}"
            );
        }
    }
    assert!(problem("<r a='1' b/>").contains("bad attribute"));
    assert!(problem("<p:r xmlns:p='urn:p' p:x='1' p:x='2'/>").contains("'p:x' appears twice"));
}

/// The reader's work on `xml` (see `WORK`), and whether it accepted it.
pub(super) fn work_reading(xml: &str) -> (usize, Result<(), String>) {
    WORK.with(|work| work.set(0));
    let result = read::<String>(xml.as_bytes(), "document", |_| Ok(()));
    (WORK.with(std::cell::Cell::get), result)
}

fn attributes(count: usize, prefix: &str) -> String {
    (0..count).map(|i| format!(" {prefix}a{i}=''")).collect()
}

#[test]
fn the_attribute_check_does_work_linear_in_the_number_of_attributes() {
    // 90,000 attributes on one element (868 KB) took ~10 s of CPU with a pairwise check.
    for count in [1_000, 10_000, 90_000] {
        let distinct = format!("<r{}/>", attributes(count, ""));
        let (work, result) = work_reading(&distinct);
        assert_eq!(result, Ok(()));
        assert!(work <= 3 * count + 64, "{count} attributes: {work} steps");

        let twice = format!("<r{} a0=''/>", attributes(count, ""));
        let (work, result) = work_reading(&twice);
        assert_eq!(result, Err("bad attribute: 'a0' appears twice".to_string()));
        assert!(work <= 3 * count + 64, "{count} attributes: {work} steps");

        let prefixed = format!("<r xmlns:p='urn:p'{}/>", attributes(count, "p:"));
        let (work, result) = work_reading(&prefixed);
        assert_eq!(result, Ok(()));
        assert!(
            work <= 4 * count + 64,
            "{count} prefixed attributes: {work} steps"
        );
    }
}

#[test]
fn namespace_declarations_in_scope_are_capped_so_resolving_a_name_stays_short() {
    let declarations = |count: usize| -> String {
        (0..count)
            .map(|i| format!(" xmlns:p{i}='urn:{i}'"))
            .collect()
    };
    // Thousands of declarations, then thousands of elements whose prefix quick-xml
    // finds only at the far end of its list: refused at the root, before any child.
    let piled = format!(
        "<r{}>{}</r>",
        declarations(20_000),
        "<p0:e/>".repeat(20_000)
    );
    let (work, result) = work_reading(&piled);
    assert_eq!(
        result,
        Err("more than 64 namespace declarations in scope".to_string())
    );
    assert!(
        work <= piled.len(),
        "{work} steps for {} bytes",
        piled.len()
    );
    // Declared across nesting levels, they count together; siblings' do not.
    let nested = "<e xmlns:q='urn:q' xmlns:s='urn:s'>".repeat(MAX_NAMESPACES_IN_SCOPE / 2 + 1);
    let (_, result) = work_reading(&format!("<r>{nested}</r>"));
    assert!(result
        .unwrap_err()
        .contains("namespace declarations in scope"));
    let siblings = format!("<r>{}</r>", "<e xmlns:q='urn:q'/>".repeat(10_000));
    assert_eq!(work_reading(&siblings).1, Ok(()));
    let at_cap = format!(
        "<r{}>{}</r>",
        declarations(MAX_NAMESPACES_IN_SCOPE),
        "<p0:e p0:x=''/>".repeat(10_000)
    );
    let (work, result) = work_reading(&at_cap);
    assert_eq!(result, Ok(()));
    // Each element's name (open and close) and its attribute resolve within the cap.
    assert!(work <= 4 * (MAX_NAMESPACES_IN_SCOPE + 1) * 10_000 + at_cap.len());
}

#[test]
fn two_prefixes_bound_to_one_namespace_name_the_same_attribute() {
    let got = problem("<r xmlns:a='urn:x' xmlns:b='urn:x' a:n='1' b:n='2'/>");
    assert_eq!(got, "bad attribute: 'b:n' appears twice");
    assert_eq!(problem("<r q:n='1'/>"), "undeclared namespace prefix 'q'");
    assert_eq!(
        read::<String>(
            b"<r xml:lang='en' xmlns:a='urn:x' a:n='1' n='2'/>",
            "d",
            |_| Ok(())
        ),
        Ok(())
    );
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
