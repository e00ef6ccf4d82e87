//! `GET /__admin/openapi.json`: an OpenAPI 3.1 description of the admin API, written from the
//! router's own table (every row of `admin::routes` is a described operation) and the web inbox's
//! assets and redirects.

mod paths;

mod shapes;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use super::route::Route;
use super::PREFIX;

/// The document of the admin table `routes` as served under `prefix`. The root's is made once
/// (there is one table); a session's (`prefix` `/sessions/ID`) names its prefix as the server
/// and leaves out the session routes, which only the root serves.
pub(super) fn document_text(routes: &'static [Route], prefix: &str) -> String {
    static TEXT: OnceLock<String> = OnceLock::new();
    if prefix.is_empty() {
        return TEXT.get_or_init(|| pretty(&document(routes))).clone();
    }
    let mut document = document(routes);
    if let Some(paths) = document["paths"].as_object_mut() {
        paths.retain(|path, _| !path.starts_with(&format!("{PREFIX}/sessions")));
    }
    document["servers"] = json!([{ "url": prefix, "description": "This session" }]);
    pretty(&document)
}

fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).expect("the document is plain JSON")
}

/// The whole document, of the table `routes` under the admin prefix.
pub(super) fn document(routes: &[Route]) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let path = format!("{PREFIX}{}", route.pattern);
        let item = paths
            .entry(path)
            .or_insert_with(|| Value::Object(Map::new()));
        item[route.method.to_ascii_lowercase()] = paths::operation(route);
    }
    for (path, item) in paths.iter_mut() {
        if let (Some(pattern), Value::Object(item)) = (path.strip_prefix(PREFIX), item) {
            paths::add_parameters(pattern, item);
        }
    }
    for (path, item) in paths::web_inbox() {
        paths.insert(path, item);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "exchange-um-mock admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON admin API of exchange-um-mock, a test double of the Exchange Unified Messaging web service: captured PIN emails, the request journal, mailboxes, scripted scenarios, phone logon, the clock, fixtures, live events and the web inbox. Bodies are JSON with snake_case keys, times RFC 3339 UTC. Lists are oldest first (scenarios newest first); `limit=N` gives the first N after `after_id`. With --admin-token every admin request needs `Authorization: Bearer TOKEN` (401 otherwise); a GET may carry it as `?token=TOKEN` instead (what a browser loads by itself), a change never. A changing request (POST, PATCH, DELETE) that a browser sends from another site is refused with 403.",
            "license": { "name": env!("CARGO_PKG_LICENSE"), "identifier": env!("CARGO_PKG_LICENSE") }
        },
        "paths": paths,
        "components": {
            "schemas": shapes::schemas(),
            "responses": paths::shared_responses(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The --admin-token, when the server was started with one."
                },
                "adminTokenQuery": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "The --admin-token as a query parameter; taken on GET requests only."
                }
            }
        },
        // No token needed unless the server was started with --admin-token.
        "security": [{}, { "adminToken": [] }, { "adminTokenQuery": [] }]
    })
}
