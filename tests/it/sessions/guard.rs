//! The admin guard under a session's prefix: `--admin-token` and the refusal of a rebound
//! page apply to `/sessions/ID/__admin` as they do at the root.

use exchange_um_mock::UmMockServer;

use super::Double;
use crate::support::*;

#[tokio::test]
async fn the_admin_token_is_asked_for_under_a_sessions_prefix_but_not_by_its_endpoint() {
    // Arrange
    let mock = Mock::with(UmMockServer::builder().admin_token("t0k")).await;
    let create = mock
        .send(
            mock.client
                .post(mock.url("/__admin/sessions"))
                .bearer_auth("t0k"),
        )
        .await;
    assert_eq!(create.status, 201, "{}", create.text());
    let session = Double::of(&mock, &create.json());

    // Act
    let without = session.admin("GET", "/__admin/emails", None).await;
    let wrong = mock
        .send(
            mock.client
                .post(session.url("/__admin/reset"))
                .bearer_auth("nope"),
        )
        .await;
    let soap = session.reset_pin("alice").await;
    let with = mock
        .send(
            mock.client
                .get(session.url("/__admin/emails"))
                .bearer_auth("t0k"),
        )
        .await;

    // Assert
    assert_eq!(without.status, 401, "{}", without.text());
    assert!(without.error().contains("Bearer"), "{}", without.error());
    assert_eq!(wrong.status, 401, "{}", wrong.text());
    assert_eq!(soap.status, 200, "{}", soap.text());
    assert_eq!(with.status, 200, "{}", with.text());
    assert_eq!(with.json()["total"], 1, "the wrong token reset nothing");
    let in_query = session
        .admin("GET", "/__admin/emails?token=t0k", None)
        .await;
    assert_eq!(in_query.status, 200, "{}", in_query.text());
}

#[tokio::test]
async fn a_rebound_page_is_refused_under_a_sessions_prefix_and_a_local_one_is_not() {
    // Arrange
    let mock = Mock::start().await;
    let session = Double::create(&mock).await;
    session.reset_pin_ok("alice").await;
    let port = mock.address().port();
    let from_page = |method: reqwest::Method, path: &str, host: &str| {
        mock.client
            .request(method, session.url(path))
            .header("Host", host)
            .header("Origin", format!("http://{host}"))
            .header("Sec-Fetch-Site", "same-origin")
    };

    for (host, allowed) in [
        ("rebind.evil.example".to_string(), false),
        (format!("localhost:{port}"), true),
    ] {
        // Act
        let read = mock
            .send(from_page(reqwest::Method::GET, "/__admin/emails", &host))
            .await;
        let page = mock
            .send(from_page(reqwest::Method::GET, "/__admin/ui/", &host))
            .await;
        let reset = mock
            .send(from_page(reqwest::Method::POST, "/__admin/reset", &host))
            .await;

        // Assert
        if allowed {
            assert_eq!(
                (read.status, page.status, reset.status),
                (200, 200, 204),
                "{host}"
            );
        } else {
            for reply in [&read, &page, &reset] {
                assert_eq!(reply.status, 403, "{host}: {}", reply.text());
                assert!(
                    reply.error().contains("'rebind.evil.example'"),
                    "{}",
                    reply.error()
                );
            }
            assert_eq!(
                session.total("/__admin/emails").await,
                1,
                "nothing was reset"
            );
        }
    }
}
