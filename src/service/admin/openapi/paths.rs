//! The pieces of the document: a route's operation (from its row in the table), the path
//! parameters, the web inbox's paths, the answers several routes share.

use serde_json::{json, Map, Value};

use crate::service::admin::route::{answer, shared, text, Kind, Operation, Param, Place, Route};
use crate::service::ui;

fn param(param: &Param) -> Value {
    let schema = match param.kind {
        Kind::Text => json!({ "type": "string" }),
        Kind::Count => json!({ "type": "integer", "minimum": 0 }),
        Kind::AtMost(max) => json!({ "type": "integer", "minimum": 0, "maximum": max }),
    };
    let place = match param.place {
        Place::Query => "query",
        Place::Header => "header",
    };
    json!({ "name": param.name, "in": place, "required": false, "description": param.description, "schema": schema })
}

/// The OpenAPI operation of one row: its description, its parameters, and what every route
/// can answer (401 without the token; 403 for a change sent from another site).
pub(super) fn operation(route: &Route) -> Value {
    let Operation {
        summary,
        body,
        answers,
    } = (route.describe)();
    let mut responses: Map<String, Value> = answers
        .into_iter()
        .map(|(status, a)| (status.to_string(), a))
        .collect();
    responses.insert("401".into(), shared("Unauthorized"));
    if route.method != "GET" {
        responses.insert("403".into(), shared("CrossSite"));
    }
    let mut operation = json!({ "summary": summary, "responses": responses });
    let params: Vec<Value> = route.query.params().iter().map(param).collect();
    if !params.is_empty() {
        operation["parameters"] = Value::Array(params);
    }
    if let Some(body) = body {
        operation["requestBody"] = body;
    }
    operation
}

/// The path parameters of `pattern`, declared once for all its methods.
pub(super) fn add_parameters(pattern: &str, item: &mut Map<String, Value>) {
    let params: Vec<Value> = pattern
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (description, schema) = match name {
                "address" => ("A mailbox's SMTP address (case-insensitive).", json!({ "type": "string" })),
                _ => ("An id (a whole number).", json!({ "type": "integer", "minimum": 0 })),
            };
            json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
        })
        .collect();
    if !params.is_empty() {
        item.insert("parameters".into(), Value::Array(params));
    }
}

/// The web inbox: `/` and `/__admin/ui` redirect to the page; the page and its assets are
/// served without the token (they hold no data).
pub(super) fn web_inbox() -> Vec<(String, Value)> {
    let open = |summary: &str, answers: Value| json!({ "get": { "summary": summary, "security": [{}], "responses": answers } });
    let redirect = |status: &str, description: &str| json!({ status: { "description": description, "headers": { "Location": { "schema": { "type": "string", "const": ui::PATH } } } } });
    let mut out = vec![
        (
            "/".to_string(),
            open(
                "The front door: redirects to the web inbox",
                redirect("302", "To /__admin/ui/"),
            ),
        ),
        (
            "/__admin/ui".to_string(),
            open(
                "Redirects to /__admin/ui/ (the page's relative links need the slash)",
                redirect("301", "To /__admin/ui/"),
            ),
        ),
    ];
    for (path, content_type) in ui::asset_paths() {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or(content_type)
            .to_string();
        let what = if path == ui::PATH {
            "The web inbox page"
        } else {
            "An asset of the web inbox"
        };
        out.push((path, open(what, json!({ "200": text(what, &media) }))));
    }
    out
}

/// Answers several routes share.
pub(super) fn shared_responses() -> Value {
    let error = |description: &str| answer(description, "Error");
    json!({
        "BadRequest": error("A bad parameter, body or value; the error says which (and `problems` lists each, where there can be several)."),
        "NotFound": error("No such email, mailbox, scenario or certificate."),
        "Conflict": error("The request cannot be done in this state (too many scenarios; reload without --fixtures)."),
        "Unauthorized": error("The server has an --admin-token and the request did not carry it."),
        "CrossSite": error("A browser sent this changing request from another site's page.")
    })
}
