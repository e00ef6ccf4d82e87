//! The web inbox's page and assets, the front-door redirect, and the admin API's refusal of
//! changing requests from another site's page.

use exchange_um_mock::UmMockServer;

use crate::support::Mock;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A client that does not follow redirects, to see them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_their_types_and_a_strict_csp() {
    let mock = Mock::start().await;

    for (path, content_type, needle) in [
        ("/__admin/ui/", "text/html; charset=utf-8", "<main"),
        (
            "/__admin/ui/app.css",
            "text/css; charset=utf-8",
            "prefers-color-scheme",
        ),
        (
            "/__admin/ui/app.js",
            "text/javascript; charset=utf-8",
            "EventSource",
        ),
        (
            "/__admin/ui/sessions.js",
            "text/javascript; charset=utf-8",
            "/sessions",
        ),
    ] {
        let reply = mock.send(mock.client.get(mock.url(path))).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), content_type, "{path}");
        assert_eq!(reply.header("cache-control"), "no-cache", "{path}");
        assert_eq!(reply.header("content-security-policy"), CSP, "{path}");
        assert!(reply.text().contains(needle), "{path}");
    }
    let missing = mock
        .send(mock.client.get(mock.url("/__admin/ui/nope.js")))
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_page_never_puts_captured_text_into_markup() {
    let mock = Mock::start().await;
    // Every script the page loads, so that a new one is checked too.
    let page = mock.send(mock.client.get(mock.url("/__admin/ui/"))).await;
    let scripts: Vec<&str> = page
        .text()
        .split("<script src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(scripts.contains(&"app.js"), "{scripts:?}");
    assert!(scripts.contains(&"sessions.js"), "{scripts:?}");
    for name in scripts {
        let script = mock
            .send(mock.client.get(mock.url(&format!("/__admin/ui/{name}"))))
            .await;
        assert_eq!(script.status, 200, "{name}");
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!script.text().contains(sink), "{name} uses {sink}");
        }
    }
}

#[tokio::test]
async fn the_root_redirects_to_the_web_inbox() {
    let mock = Mock::start().await;
    let client = no_redirects();

    let root = mock.send(client.get(mock.url("/"))).await;
    let bare = mock.send(client.get(mock.url("/__admin/ui"))).await;

    assert!(matches!(root.status, 302 | 303), "{}", root.status);
    assert_eq!(root.header("location"), "/__admin/ui/");
    assert_eq!(bare.header("location"), "/__admin/ui/");
    assert_eq!(
        mock.journal("").await["total"],
        0,
        "the redirect is not journaled"
    );
}

#[tokio::test]
async fn an_email_html_is_served_under_its_own_csp() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;

    let reply = mock
        .send(mock.client.get(mock.url("/__admin/emails/1/html")))
        .await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        reply.header("content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'self'; sandbox"
    );
    let email = mock.get_json("/__admin/emails/1").await;
    assert_eq!(reply.text(), email["html_body"]);
}

#[tokio::test]
async fn with_an_admin_token_the_page_loads_without_it_and_the_data_needs_it() {
    let mock = Mock::with(UmMockServer::builder().admin_token("s3cret")).await;
    mock.reset_pin_ok("alice").await;

    let page = mock.send(mock.client.get(mock.url("/__admin/ui/"))).await;
    let script = mock
        .send(mock.client.get(mock.url("/__admin/ui/app.js")))
        .await;
    let data = mock.admin("GET", "/__admin/emails", None).await;
    let html_without = mock.admin("GET", "/__admin/emails/1/html", None).await;
    let html_with = mock
        .admin("GET", "/__admin/emails/1/html?token=s3cret", None)
        .await;
    let info = mock
        .send(
            mock.client
                .get(mock.url("/__admin/info"))
                .bearer_auth("s3cret"),
        )
        .await;

    assert_eq!(page.status, 200);
    assert_eq!(script.status, 200);
    assert_eq!(data.status, 401);
    assert_eq!(html_without.status, 401);
    assert_eq!(html_with.status, 200);
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["admin_token"], true);
    assert_eq!(info.json()["fixtures"], "embedded");
    assert_eq!(
        info.json()["evicted"],
        serde_json::json!({"emails": 0, "requests": 0})
    );
}

#[tokio::test]
async fn a_changing_admin_request_from_another_origin_is_refused() {
    let mock = Mock::start().await;
    let own = format!("http://{}", mock.address());

    let foreign = mock
        .send(
            mock.client
                .post(mock.url("/__admin/reset"))
                .header("Origin", "https://evil.example"),
        )
        .await;
    let null = mock
        .send(
            mock.client
                .delete(mock.url("/__admin/emails"))
                .header("Origin", "null"),
        )
        .await;
    let same = mock
        .send(
            mock.client
                .post(mock.url("/__admin/reset"))
                .header("Origin", own),
        )
        .await;
    let reading = mock
        .send(
            mock.client
                .get(mock.url("/__admin/emails"))
                .header("Origin", "https://evil.example"),
        )
        .await;
    let curl = mock.admin("POST", "/__admin/reset", None).await;

    assert_eq!(foreign.status, 403);
    assert!(foreign.json()["error"]
        .as_str()
        .unwrap()
        .contains("evil.example"));
    assert_eq!(null.status, 403);
    assert_eq!(same.status, 204);
    assert_eq!(reading.status, 200, "reading is not a change");
    assert_eq!(curl.status, 204, "no Origin, no Sec-Fetch-Site: unaffected");
}

#[tokio::test]
async fn a_changing_admin_request_marked_cross_site_is_refused() {
    let mock = Mock::start().await;

    let cross = mock
        .send(
            mock.client
                .patch(mock.url("/__admin/mailboxes/alice@contoso.com"))
                .header("Sec-Fetch-Site", "cross-site")
                .json(&serde_json::json!({"locked_out": true})),
        )
        .await;
    let same = mock
        .send(
            mock.client
                .patch(mock.url("/__admin/mailboxes/alice@contoso.com"))
                .header("Sec-Fetch-Site", "same-origin")
                .json(&serde_json::json!({"failed_logons": 1})),
        )
        .await;

    assert_eq!(cross.status, 403);
    assert!(cross.json()["error"]
        .as_str()
        .unwrap()
        .contains("cross-site"));
    assert_eq!(mock.mailbox("alice@contoso.com").await["locked_out"], false);
    assert_eq!(same.status, 200);
}
