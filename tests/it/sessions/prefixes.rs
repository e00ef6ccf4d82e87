//! The URLs a session writes about itself carry its prefix: the WSDL's `soap:address`,
//! Autodiscover's `UMUrl`, the front door's and the inbox's redirects, `info`'s `session`.

use super::{created, Double};
use crate::support::*;

const AUTODISCOVER_REQUEST: &str = r#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"#;

/// A client that shows redirects instead of following them.
fn not_following() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_wsdl_under_a_session_gives_the_sessions_endpoint_as_its_address() {
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;

    for path in [PATH_2010, PATH_2007] {
        let reply = mock
            .send(mock.client.get(format!("{}?wsdl", session.url(path))))
            .await;

        assert_eq!(reply.status, 200, "{path}");
        let address = format!(
            r#"<soap:address location="{}/sessions/{}{path}"/>"#,
            mock.server.uri(),
            session.id()
        );
        assert!(reply.text().contains(&address), "{path}: {}", reply.text());
        let journal = session.get_json("/__admin/requests").await;
        let last = journal["requests"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["id"], reply.request_id());
        assert_eq!(last["path"], format!("{}{path}?wsdl", session.prefix));
    }
    assert_eq!(Double::root(&mock).total("/__admin/requests").await, 0);
}

#[tokio::test]
async fn autodiscover_under_a_session_gives_a_um_url_that_answers_in_that_session() {
    // Arrange
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;

    // Act
    let reply = session
        .post_as(
            "alice",
            "/Autodiscover/Autodiscover.xml",
            AUTODISCOVER_REQUEST,
        )
        .await;
    let text = reply.text();
    let um_url = &text[text.find("<UMUrl>").expect("a UMUrl") + "<UMUrl>".len()..];
    let um_url = &um_url[..um_url.find('<').unwrap()];
    let answer = mock
        .send(
            mock.client
                .post(um_url)
                .header("Authorization", basic("alice", "x"))
                .header("Content-Type", SOAP_CONTENT_TYPE)
                .body(envelope(HTTP_NS, "IsUMEnabled")),
        )
        .await;

    // Assert
    assert_eq!(reply.status, 200, "{text}");
    assert_eq!(um_url, session.url(PATH_2007));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(session.total("/__admin/requests").await, 2);
    assert_eq!(Double::root(&mock).total("/__admin/requests").await, 0);
}

#[tokio::test]
async fn a_sessions_front_door_and_its_inbox_without_the_slash_redirect_under_its_prefix() {
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    let client = not_following();
    let inbox = format!("{}/__admin/ui/", session.prefix);

    for (path, status) in [
        (session.prefix.clone(), 302),
        (format!("{}/", session.prefix), 302),
        (format!("{}/__admin/ui", session.prefix), 301),
    ] {
        let reply = mock.send(client.get(mock.url(&path))).await;

        assert_eq!(reply.status, status, "{path}");
        assert_eq!(reply.header("Location"), inbox, "{path}");
    }
    let page = mock.send(client.get(mock.url(&inbox))).await;
    assert_eq!(page.status, 200);
    assert!(page.header("Content-Type").starts_with("text/html"));
}

#[tokio::test]
async fn info_under_a_prefix_names_the_session_and_at_the_root_none() {
    let mock = Mock::start().await;
    let entry = created(&mock, Some(serde_json::json!({"name": "checkout tests"}))).await;
    let session = Double::of(&mock, &entry);

    let inside = session.get_json("/__admin/info").await;
    let outside = mock.get_json("/__admin/info").await;

    assert_eq!(inside["session"]["id"], entry["id"]);
    assert_eq!(inside["session"]["name"], "checkout tests");
    assert_eq!(inside["session"]["service_url"], entry["service_url"]);
    assert!(outside["session"].is_null(), "{outside}");
}

#[tokio::test]
async fn a_sessions_api_description_names_its_prefix_as_the_server_and_leaves_out_root_routes() {
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;

    let document = session.get_json("/__admin/openapi.json").await;
    let root = mock.get_json("/__admin/openapi.json").await;

    assert_eq!(document["servers"][0]["url"], session.prefix.as_str());
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/__admin/emails"));
    assert!(paths
        .keys()
        .all(|path| !path.starts_with("/__admin/sessions")));
    assert!(root.get("servers").is_none());
    assert!(root["paths"]
        .as_object()
        .unwrap()
        .contains_key("/__admin/sessions/{id}"));
}
