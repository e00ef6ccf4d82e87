//! `GET /__admin/openapi.json` against the server: every operation it describes is answered
//! (not a 404 for an unknown route, not a 405), with a status it lists, and each JSON answer
//! has the shape its schema gives. (That every route is described is a unit test beside the
//! router's table, `service/admin/openapi/tests.rs`.)

use serde_json::{json, Value};

use crate::support::*;

/// A validator for `schema`, resolving `#/components/...` in `doc`.
fn shape(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": doc["components"],
    });
    jsonschema::validator_for(&root).unwrap()
}

/// The ids a path's `{id}` may stand for, taken from the running server's state.
struct Ids {
    email: u64,
    scenario: u64,
    /// A live session's id, for `/sessions/{id}`.
    session: String,
}

/// The path with its parameters filled in from the running server's state.
fn concrete(path: &str, ids: &Ids) -> String {
    let id = if path.contains("/sessions/") {
        ids.session.clone()
    } else if path.contains("scenarios") {
        ids.scenario.to_string()
    } else {
        ids.email.to_string()
    };
    path.replace("{id}", &id)
        .replace("{address}", "alice@contoso.com")
}

/// Whether `path` is one of the session routes, served at the root only.
fn root_only(path: &str) -> bool {
    path.starts_with("/__admin/sessions")
}

/// The number of operations `doc` describes.
fn described(doc: &Value) -> usize {
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum()
}

/// Tries every operation `doc` describes under `prefix` (`""` for the root, `/sessions/ID`
/// for a session), each on fresh state, and checks its status and shape; how many it tried.
/// Under a session the session routes, served at the root only, must be 404.
async fn try_every_operation(mock: &Mock, doc: &Value, prefix: &str) -> usize {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut checked = 0;

    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            // Fresh state for each call, so a DELETE or reset before does not change the answer;
            // a live session for `/sessions/{id}` (and for the list to hold one).
            mock.admin("POST", &format!("{prefix}/__admin/reset"), None)
                .await;
            let reset = mock
                .send(reset_pin_request(&mock.client, &mock.url(prefix), "alice"))
                .await;
            assert_eq!(reset.status, 200, "{}", reset.text());
            let scenario =
                json!({"mailbox": "*", "operation": "IsUMEnabled", "outcomes": ["default"]});
            let scenario = mock
                .admin(
                    "POST",
                    &format!("{prefix}/__admin/scenarios"),
                    Some(scenario),
                )
                .await;
            let session = mock.admin("POST", "/__admin/sessions", None).await;
            assert_eq!(session.status, 201, "{}", session.text());
            let ids = Ids {
                email: mock
                    .get_json(&format!("{prefix}/__admin/emails/latest"))
                    .await["id"]
                    .as_u64()
                    .unwrap(),
                scenario: scenario.json()["id"].as_u64().unwrap(),
                session: session.json()["id"].as_str().unwrap().to_string(),
            };
            let url = mock.url(&format!("{prefix}{}", concrete(path, &ids)));
            let mut request = client.request(method.to_uppercase().parse().unwrap(), url);
            if operation.get("requestBody").is_some() {
                request = request.json(&json!({}));
            }

            let response = request.send().await.unwrap();

            let status = response.status().as_u16();
            checked += 1;
            if !prefix.is_empty() && root_only(path) {
                assert_eq!(status, 404, "{method} {prefix}{path}: root only");
                continue;
            }
            if path.contains("/sessions/{id}") {
                assert!(status < 300, "{method} {path}: {status} for a live session");
            }
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let described = &operation["responses"][status.to_string()];
            assert!(
                described.is_object(),
                "{method} {prefix}{path}: answered {status}, which is not described"
            );
            if path == "/__admin/events" {
                continue; // a stream: the headers are the answer
            }
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("no admin resource") && !body.contains("no web inbox file"),
                "{method} {prefix}{path}: not routed: {body}"
            );
            let schema = described
                .pointer("/content/application~1json/schema")
                .or_else(|| {
                    let name = described["$ref"].as_str()?.rsplit('/').next()?;
                    doc["components"]["responses"][name]
                        .pointer("/content/application~1json/schema")
                });
            if let (Some(schema), true) = (schema, content_type.starts_with("application/json")) {
                let value: Value = serde_json::from_str(&body).unwrap();
                let errors: Vec<String> = shape(doc, schema)
                    .iter_errors(&value)
                    .map(|e| format!("{}: {e}", e.instance_path().as_str()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{method} {prefix}{path} {status}: {errors:#?}\n{body}"
                );
                if path == "/__admin/sessions" && method == "get" {
                    assert!(value["total"].as_u64().unwrap() >= 1, "{body}");
                }
            }
        }
    }
    checked
}

#[tokio::test]
async fn every_described_operation_is_answered_with_a_described_status_and_shape() {
    let mock = Mock::start().await;
    let doc = mock.get_json("/__admin/openapi.json").await;

    let checked = try_every_operation(&mock, &doc, "").await;

    assert_eq!(
        checked,
        described(&doc),
        "every described operation was tried"
    );
    assert!(checked >= 30, "{checked}");
}

#[tokio::test]
async fn every_described_operation_is_answered_under_a_sessions_prefix_too_but_the_session_routes()
{
    let mock = Mock::start().await;
    let doc = mock.get_json("/__admin/openapi.json").await;
    let session = mock.admin("POST", "/__admin/sessions", None).await;
    let prefix = format!("/sessions/{}", session.json()["id"].as_str().unwrap());

    let checked = try_every_operation(&mock, &doc, &prefix).await;

    assert_eq!(
        checked,
        described(&doc),
        "every described operation was tried"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_json() {
    let mock = Mock::start().await;

    let reply = mock.admin("GET", "/__admin/openapi.json", None).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn a_server_with_an_admin_token_asks_for_it_on_the_document_too() {
    let mock = Mock::with(exchange_um_mock::UmMockServer::builder().admin_token("t0k")).await;

    let without = mock.admin("GET", "/__admin/openapi.json", None).await;

    assert_eq!(without.status, 401);
    assert!(without.json()["error"].as_str().unwrap().contains("Bearer"));
}
