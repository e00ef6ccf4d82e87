//! Route parity between the router's table and the document, and the document's own
//! consistency. The HTTP side (every described operation is answered, with a described status
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
    let doc = document();
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

/// `(path, METHOD)` for everything the router answers: its admin table, the web inbox's
/// assets, its redirects.
fn routed() -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = ROUTES
        .iter()
        .flat_map(|(pattern, methods)| {
            methods
                .split(", ")
                .map(move |m| (format!("{PREFIX}{pattern}"), m.to_string()))
        })
        .collect();
    for (path, _) in ui::asset_paths() {
        out.insert((path, "GET".into()));
    }
    out.insert(("/__admin/ui".into(), "GET".into()));
    out.insert(("/".into(), "GET".into()));
    out
}

#[test]
fn every_route_the_router_answers_is_described_and_nothing_else() {
    let described = described();
    let routed = routed();

    let undescribed: Vec<_> = routed.difference(&described).collect();
    let unrouted: Vec<_> = described.difference(&routed).collect();

    assert!(
        undescribed.is_empty(),
        "routes without a description in service/admin/openapi/paths.rs: {undescribed:?}"
    );
    assert!(
        unrouted.is_empty(),
        "described but not routed: {unrouted:?}"
    );
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
    let doc = document();
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
    let doc = document();
    let schemas = &doc["components"]["schemas"];

    let email = &schemas["Email"]["properties"];
    let request = &schemas["RecordedRequest"]["properties"];

    assert!(email["sent_at"]["description"].is_string());
    assert_eq!(request["outcome"]["$ref"], "#/components/schemas/Outcome");
    assert!(schemas["MailboxState"]["properties"]["pin_expires_at"].is_object());
    assert!(schemas["MailboxPatch"]["properties"]["failed_logons"].is_object());
}
