//! DNS rebinding: a browser request to the admin API or the web inbox under a Host
//! name that is not the server's is refused, whatever its Origin; clients that are not
//! browsers are unaffected.

use exchange_um_mock::UmMockServer;
use serde_json::json;

use crate::cli::{command, Serving};
use crate::support::{Mock, Reply};

/// A request as a page served under `host` sends it once that name points at the double:
/// `Host` and `Origin` both carry the page's name.
fn from_page(
    mock: &Mock,
    method: reqwest::Method,
    path: &str,
    host: &str,
) -> reqwest::RequestBuilder {
    mock.client
        .request(method, mock.url(path))
        .header("Host", host)
        .header("Origin", format!("http://{host}"))
        .header("Sec-Fetch-Site", "same-origin")
}

/// Sends [`from_page`]'s request.
async fn send_from_page(mock: &Mock, method: reqwest::Method, path: &str, host: &str) -> Reply {
    mock.send(from_page(mock, method, path, host)).await
}

/// What a page under `host` tries first: read the emails, load the inbox page, reset the
/// double; their replies in that order.
async fn read_load_and_reset(mock: &Mock, host: &str) -> (Reply, Reply, Reply) {
    let get = reqwest::Method::GET;
    (
        send_from_page(mock, get.clone(), "/__admin/emails", host).await,
        send_from_page(mock, get, "/__admin/ui/", host).await,
        send_from_page(mock, reqwest::Method::POST, "/__admin/reset", host).await,
    )
}

#[tokio::test]
async fn a_rebound_page_can_neither_read_nor_change_the_double() {
    let mock = Mock::start().await;
    let host = "rebind.evil.example";
    let before = mock.mailbox("alice@contoso.com").await;

    let (read, page, reset) = read_load_and_reset(&mock, host).await;
    let patch = mock
        .send(
            from_page(
                &mock,
                reqwest::Method::PATCH,
                "/__admin/mailboxes/alice@contoso.com",
                host,
            )
            .json(&json!({"pin": "246801"})),
        )
        .await;
    let pins = send_from_page(&mock, reqwest::Method::GET, "/__admin/mailboxes", host).await;

    for (what, reply) in [
        ("GET emails", &read),
        ("POST reset", &reset),
        ("PATCH mailbox", &patch),
        ("the inbox page", &page),
        ("GET mailboxes", &pins),
    ] {
        assert_eq!(reply.status, 403, "{what}");
        let error = reply.error();
        assert!(error.contains("'rebind.evil.example'"), "{what}: {error}");
        assert!(error.contains("--admin-host"), "{what}: {error}");
    }
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
}

#[tokio::test]
async fn a_sec_fetch_header_alone_marks_a_browser() {
    let mock = Mock::start().await;

    let reply = mock
        .send(
            mock.client
                .get(mock.url("/__admin/emails"))
                .header("Host", "rebind.evil.example")
                .header("Sec-Fetch-Mode", "navigate"),
        )
        .await;

    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn ip_literals_localhost_names_and_the_fqdn_are_the_servers_own() {
    let mock = Mock::start().await;
    let port = mock.address().port();

    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("[::1]:{port}"),
        "localhost".to_string(),
        format!("LocalHost:{port}"),
        "x.localhost".to_string(),
        "um01.contoso.com".to_string(),
        format!("um01.contoso.com.:{port}"),
    ] {
        let (read, page, reset) = read_load_and_reset(&mock, &host).await;

        assert_eq!(read.status, 200, "{host}");
        assert_eq!(page.status, 200, "{host}");
        assert_eq!(reset.status, 204, "{host}");
    }
}

#[tokio::test]
async fn admin_host_allows_a_name_and_only_that_name() {
    let mock = Mock::with(UmMockServer::builder().admin_host("mock.test")).await;

    let reset = |host| send_from_page(&mock, reqwest::Method::POST, "/__admin/reset", host);
    let allowed = reset("Mock.Test:8080").await;
    let other = reset("other.test").await;

    assert_eq!(allowed.status, 204);
    assert_eq!(other.status, 403);
}

#[tokio::test]
async fn a_client_that_is_not_a_browser_may_use_any_host() {
    let mock = Mock::start().await;

    let curl: Reply = mock
        .send(
            mock.client
                .post(mock.url("/__admin/reset"))
                .header("Host", "exum-service"),
        )
        .await;
    let read = mock
        .send(
            mock.client
                .get(mock.url("/__admin/emails"))
                .header("Host", "rebind.evil.example"),
        )
        .await;

    assert_eq!(curl.status, 204);
    assert_eq!(read.status, 200);
}

#[tokio::test]
async fn serve_takes_admin_hosts_from_flags_and_the_environment() {
    let mut command = command();
    command
        .args(["--listen", "127.0.0.1:0", "--admin-host", "flag.test"])
        .env("EXUM_ADMIN_HOST", "ignored.test");
    let from_flag = Serving::start(command);
    let mut command = crate::cli::command();
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("EXUM_ADMIN_HOST", "one.test,two.test");
    let from_env = Serving::start(command);
    let client = reqwest::Client::new();
    let status = |url: &str, host: &str| {
        client
            .get(format!("{url}/__admin/emails"))
            .header("Host", host)
            .header("Origin", format!("http://{host}"))
            .send()
    };

    let flag = status(&from_flag.url, "flag.test").await.unwrap().status();
    let env_ignored = status(&from_flag.url, "ignored.test")
        .await
        .unwrap()
        .status();
    let one = status(&from_env.url, "one.test").await.unwrap().status();
    let two = status(&from_env.url, "two.test").await.unwrap().status();
    let stranger = status(&from_env.url, "three.test").await.unwrap().status();

    assert_eq!(flag, 200);
    assert_eq!(env_ignored, 403, "a flag replaces the environment variable");
    assert_eq!((one.as_u16(), two.as_u16()), (200, 200));
    assert_eq!(stranger, 403);
}
