//! The document against the router's table and the web inbox, and its own consistency. The HTTP side (every described operation is answered, with a described status
//! and shape) is in `tests/it/openapi.rs`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::routes::ROUTES;
use super::super::PREFIX;
use super::document;
use crate::service::ui;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `(path, METHOD)` for every operation in the document.
fn described() -> BTreeSet<(String, String)> {
    let doc = document(ROUTES);
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((path.clone(), method.to_ascii_uppercase()));
            }
        }
    }
    out
}

/// `(path, METHOD)` for everything the router answers besides its table: the web inbox's
/// assets and its redirects.
fn web_inbox() -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = ui::asset_paths()
        .map(|(path, _)| (path, "GET".to_string()))
        .collect();
    out.insert(("/__admin/ui".into(), "GET".into()));
    out.insert(("/".into(), "GET".into()));
    out
}

#[test]
fn the_document_has_one_operation_per_row_of_the_table_and_the_web_inbox() {
    // The table's side holds by construction (the document is written from it); what is
    // checked is that nothing else slips in and the web inbox, served outside the table, is
    // described.
    let mut expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (format!("{PREFIX}{}", r.pattern), r.method.to_string()))
        .collect();
    expected.extend(web_inbox());

    assert_eq!(described(), expected);
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves_and_every_path_parameter_is_declared() {
    let doc = document(ROUTES);
    let mut targets = Vec::new();

    refs(&doc, &mut targets);

    assert!(targets.len() > 20, "{targets:?}");
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        let declared: Vec<&str> = item["parameters"]
            .as_array()
            .map(|ps| ps.iter().map(|p| p["name"].as_str().unwrap()).collect())
            .unwrap_or_default();
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(['{', '}']);
            assert!(declared.contains(&name), "{path}: {name} not declared");
        }
    }
}

#[test]
fn the_resource_shapes_come_from_the_rust_types() {
    let doc = document(ROUTES);
    let schemas = &doc["components"]["schemas"];

    let email = &schemas["Email"]["properties"];
    let request = &schemas["RecordedRequest"]["properties"];

    assert!(email["sent_at"]["description"].is_string());
    assert_eq!(request["outcome"]["$ref"], "#/components/schemas/Outcome");
    assert!(schemas["MailboxState"]["properties"]["pin_expires_at"].is_object());
    assert!(schemas["MailboxPatch"]["properties"]["failed_logons"].is_object());
}

#[test]
fn descriptions_taken_from_rust_docs_read_as_json_with_no_rust_in_them() {
    let doc = document(ROUTES);
    let mut texts = Vec::new();
    strings(&doc, &mut texts);

    let rusty: Vec<&&str> = texts
        .iter()
        .filter(|t| {
            ["```", "crate::", "super::", "# #[", "`None`", "Some(", "[`"]
                .iter()
                .any(|r| t.contains(r))
        })
        .collect();

    assert!(texts.len() > 100, "read {} strings", texts.len());
    assert!(rusty.is_empty(), "{rusty:#?}");
}

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}
