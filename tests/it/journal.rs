//! The request journal (`/__admin/requests`) and the admin API's own rules: errors as JSON,
//! 404 and 405, the bearer token, health and reset.

use exchange_um_mock::UmMockServer;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn the_journal_records_each_request_with_what_was_answered() {
    let mock = Mock::start().await;
    let reply = mock.reset_pin_ok("CONTOSO\\alice").await;

    let journal = mock.journal("").await;

    assert_eq!(
        (&journal["total"], &journal["evicted"]),
        (&json!(1), &json!(0))
    );
    let entry = &journal["requests"][0];
    assert_eq!(entry["id"], reply.request_id());
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], PATH_2010);
    assert_eq!(entry["body"], reset_pin_envelope());
    assert_eq!(entry["identity"], "CONTOSO\\alice");
    assert_eq!(entry["mailbox"], "alice@contoso.com");
    assert_eq!(entry["operation"], "ResetPIN");
    assert_eq!(entry["outcome"], "default");
    assert_eq!(entry["scenario"], json!(null));
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["response_body"], reply.text());
    assert_eq!(entry["reason"], json!(null));
    assert_eq!(entry["headers"]["authorization"], "Basic [redacted]");
    assert_eq!(
        entry["headers"]["soapaction"],
        format!("\"{HTTP_NS}/ResetPIN\"")
    );
    assert!(entry["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(entry["received_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn admin_calls_are_not_journaled() {
    let mock = Mock::start().await;
    mock.get_json("/__admin/health").await;
    mock.get_json("/__admin/mailboxes").await;
    mock.emails("").await;

    assert_eq!(mock.journal("").await["total"], 0);
}

#[tokio::test]
async fn the_journal_filters_by_operation_and_mailbox_and_pages_by_cursor() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await; // 1
    mock.post_as("alice", PATH_2010, envelope(HTTP_NS, "ResetPin"))
        .await; // 2
    mock.reset_pin_ok("carol").await; // 3
    mock.reset_pin("nobody").await; // 4: 401, no mailbox
    mock.reset_pin_ok("ALICE@contoso.com").await; // 5

    let ids = |list: &serde_json::Value| {
        field(&list["requests"], "id")
            .into_iter()
            .map(|v| v.as_u64().unwrap())
            .collect::<Vec<_>>()
    };

    let resets = mock.journal("operation=ResetPIN").await;
    assert_eq!(
        (resets["total"].as_u64(), ids(&resets)),
        (Some(3), vec![1, 3, 5])
    );
    let alice = mock.journal("mailbox=alice@CONTOSO.com").await;
    assert_eq!(ids(&alice), [1, 2, 5]);
    let both = mock
        .journal("operation=ResetPIN&mailbox=alice@contoso.com")
        .await;
    assert_eq!(ids(&both), [1, 5]);
    let page = mock.journal("after_id=1&limit=2").await;
    assert_eq!((page["total"].as_u64(), ids(&page)), (Some(4), vec![2, 3]));
    let rest = mock.journal("after_id=3").await;
    assert_eq!(ids(&rest), [4, 5]);
}

#[tokio::test]
async fn a_small_journal_drops_the_oldest_entries_and_clearing_keeps_ids_counting() {
    let mock = Mock::with(UmMockServer::builder().max_requests(3)).await;
    for _ in 0..5 {
        mock.reset_pin_ok("alice").await;
    }

    let journal = mock.journal("").await;
    assert_eq!(
        (&journal["total"], &journal["evicted"]),
        (&json!(3), &json!(2))
    );
    assert_eq!(
        field(&journal["requests"], "id"),
        [&json!(3), &json!(4), &json!(5)]
    );

    assert_eq!(
        mock.admin("DELETE", "/__admin/requests", None).await.status,
        204
    );
    assert_eq!(
        mock.journal("").await,
        json!({"total": 0, "evicted": 0, "requests": []})
    );
    assert_eq!(mock.reset_pin_ok("alice").await.request_id(), 6);
}

#[tokio::test]
async fn bad_journal_parameters_get_a_400_that_names_them() {
    let mock = Mock::start().await;
    for (query, needle) in [
        ("limit=ten", "parameter 'limit'"),
        ("after_id=1.5", "parameter 'after_id'"),
        ("wait_ms=10", "unknown parameter 'wait_ms'"),
    ] {
        let reply = mock
            .admin("GET", &format!("/__admin/requests?{query}"), None)
            .await;

        assert_eq!(reply.status, 400, "{query}");
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(needle), "{query}: {error}");
    }
}

#[tokio::test]
async fn reset_restores_the_fixtures_as_loaded() {
    let mock = Mock::start().await;
    let mailboxes = mock.get_json("/__admin/mailboxes").await;
    let scenarios = mock.get_json("/__admin/scenarios").await;
    mock.reset_pin_ok("alice").await;
    mock.reset_pin("dave").await;
    mock.admin(
        "PATCH",
        "/__admin/mailboxes/carol@contoso.com",
        Some(json!({"um_enabled": false})),
    )
    .await;
    mock.add_scenario(json!({"mailbox": "*", "operation": "*", "outcomes": [{"http": 503}]}))
        .await;

    let reset = mock.admin("POST", "/__admin/reset", None).await;

    assert_eq!(reset.status, 204);
    // The fixture PINs are set anew by the reset, as when the fixtures are loaded; everything else is as loaded.
    let without_pin_times = |mut list: Value| {
        for mailbox in list["mailboxes"].as_array_mut().unwrap() {
            let mailbox = mailbox.as_object_mut().unwrap();
            assert!(mailbox.remove("pin_set_at").is_some());
            assert!(mailbox.remove("pin_expires_at").is_some());
        }
        list
    };
    assert_eq!(
        without_pin_times(mock.get_json("/__admin/mailboxes").await),
        without_pin_times(mailboxes)
    );
    assert_eq!(mock.get_json("/__admin/scenarios").await, scenarios);
    assert_eq!(mock.emails("").await["total"], 0);
    assert_eq!(mock.journal("").await["total"], 0);
    let retry = mock.reset_pin("dave").await;
    assert_eq!(retry.status, 500, "dave's scripted busy server is back");
    assert_eq!(
        retry.body,
        fixture_bytes("responses/ResetPIN/server-busy.xml")
    );
}

#[tokio::test]
async fn health_says_ok_with_the_version() {
    let mock = Mock::start().await;

    let health = mock.get_json("/__admin/health").await;

    assert_eq!(
        health,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[tokio::test]
async fn unknown_admin_paths_get_404_and_wrong_methods_get_405_with_allow() {
    let mock = Mock::start().await;
    for path in [
        "/__admin",
        "/__admin/nope",
        "/__admin/emails/1/raw/x",
        "/__admin/mailboxes/a/b",
    ] {
        let reply = mock.admin("GET", path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.header("Content-Type"), "application/json");
        assert!(reply.json()["error"].as_str().unwrap().contains(path));
    }
    for (method, path, allow) in [
        ("POST", "/__admin/health", "GET, HEAD"),
        ("PUT", "/__admin/emails", "GET, HEAD, DELETE"),
        ("DELETE", "/__admin/emails/1", "GET, HEAD"),
        ("POST", "/__admin/requests", "GET, HEAD, DELETE"),
        (
            "DELETE",
            "/__admin/mailboxes/alice@contoso.com",
            "GET, HEAD, PATCH",
        ),
        ("PATCH", "/__admin/scenarios", "GET, HEAD, POST, DELETE"),
        ("GET", "/__admin/scenarios/1", "DELETE"),
        ("GET", "/__admin/reset", "POST"),
        ("GET", "/__admin/reload", "POST"),
    ] {
        let reply = mock.admin(method, path, None).await;

        assert_eq!(reply.status, 405, "{method} {path}");
        assert_eq!(reply.header("Allow"), allow, "{method} {path}");
        assert!(reply.json()["error"].as_str().unwrap().contains(method));
    }
    assert_eq!(mock.journal("").await["total"], 0);
}

#[tokio::test]
async fn an_unknown_mailbox_is_a_404() {
    let mock = Mock::start().await;

    let reply = mock
        .admin("GET", "/__admin/mailboxes/zed@contoso.com", None)
        .await;

    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json(),
        json!({"error": "no mailbox 'zed@contoso.com'"})
    );
    let listed = mock.get_json("/__admin/mailboxes").await;
    assert_eq!(listed["total"], 5);
    assert_eq!(
        field(&listed["mailboxes"], "smtp_address"),
        [
            "alice@contoso.com",
            "bob@contoso.com",
            "carol@contoso.com",
            "dave@contoso.com",
            "erin@contoso.com"
        ]
    );
}

#[tokio::test]
async fn with_an_admin_token_every_admin_request_needs_the_bearer() {
    let mock = Mock::with(UmMockServer::builder().admin_token("t")).await;
    for authorization in [None, Some("Bearer wrong"), Some("Basic dA==")] {
        let mut request = mock.client.get(mock.url("/__admin/health"));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }

        let reply = mock.send(request).await;

        assert_eq!(reply.status, 401, "{authorization:?}");
        assert!(reply.json()["error"].as_str().unwrap().contains("Bearer"));
    }
    let unknown = mock.send(mock.client.get(mock.url("/__admin/nope"))).await;
    assert_eq!(unknown.status, 401, "the token is checked before routing");

    let ok = mock
        .send(
            mock.client
                .get(mock.url("/__admin/emails"))
                .header("Authorization", "Bearer t"),
        )
        .await;
    assert_eq!(ok.status, 200);

    mock.reset_pin_ok("alice").await; // the UM endpoint is not behind the token
}

#[tokio::test]
async fn the_admin_bearer_scheme_matches_in_any_case() {
    let mock = Mock::with(UmMockServer::builder().admin_token("t")).await;
    for authorization in ["Bearer t", "bearer t", "BEARER t"] {
        let request = mock
            .client
            .get(mock.url("/__admin/health"))
            .header("Authorization", authorization);

        let reply = mock.send(request).await;

        assert_eq!(reply.status, 200, "{authorization}: {}", reply.text());
    }
}

#[tokio::test]
async fn an_admin_body_over_the_limit_gets_a_json_413_and_is_not_journaled() {
    let mock = Mock::with(UmMockServer::builder().max_body_bytes(64)).await;
    let big = json!({"display_name": "x".repeat(200)});

    let reply = mock
        .admin("PATCH", "/__admin/mailboxes/alice@contoso.com", Some(big))
        .await;

    assert_eq!(reply.status, 413);
    assert!(reply.error().contains("--max-body-bytes"));
    assert_eq!(mock.journal("").await["total"], 0);
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["display_name"],
        "Alice Wood"
    );
}

#[tokio::test]
async fn past_the_journal_byte_cap_the_oldest_entries_go_and_the_newest_is_cut_to_fit() {
    let mock = Mock::with(exchange_um_mock::UmMockServer::builder().max_journal_bytes(4_000)).await;
    for _ in 0..10 {
        mock.reset_pin_ok("alice").await;
    }
    let small = mock.get_json("/__admin/requests").await;
    let kept = small["requests"].as_array().unwrap().len();
    assert!(kept < 10, "4,000 bytes hold fewer than ten resets: {kept}");
    assert_eq!(small["evicted"], 10 - kept as u64);

    // One request larger than the whole cap: it alone is kept, its bodies cut.
    let huge = "x".repeat(10_000);
    let reply = mock.post_as("nobody", PATH_2010, huge).await;
    assert_eq!(reply.status, 401);

    let journal = mock.get_json("/__admin/requests").await;
    let requests = journal["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "{journal}");
    let newest = &requests[0];
    assert_eq!(newest["truncated"], true);
    let held = newest["body"].as_str().unwrap().len()
        + newest["response_body"].as_str().map_or(0, str::len);
    // The headers and the record's text count too and stay whole, with what the entry and each
    // header cost in memory besides their bytes (under 1.5 KB here); the bodies get the rest of
    // the cap. (The journal shows `Authorization` redacted, a few bytes shorter than what was
    // sent and counted.)
    let headers = header_bytes(newest);
    let text = record_bytes(newest);
    let shown = held + headers + text;
    assert!(
        shown <= 4_000 && shown > 4_000 - 1_500,
        "bodies {held} + headers {headers} + record {text}"
    );
    assert_eq!(journal["evicted"], 10);
    assert!(
        small["requests"][0].get("truncated").is_none(),
        "written only when true"
    );
}

/// The bytes of an entry's text the journal counts besides bodies and headers: the request
/// line, when, who, what and why (this test's entries have the default outcome, 0 bytes).
fn record_bytes(entry: &Value) -> usize {
    [
        "received_at",
        "method",
        "path",
        "identity",
        "mailbox",
        "operation",
        "reason",
        "auth_scheme",
        "listener",
    ]
    .iter()
    .map(|key| entry[key].as_str().map_or(0, str::len))
    .sum()
}

/// The bytes of an entry's headers as the journal shows them: names and values.
fn header_bytes(entry: &Value) -> usize {
    entry["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| name.len() + value.as_str().unwrap().len())
        .sum()
}

#[tokio::test]
async fn a_thousand_requests_with_large_headers_keep_the_journal_under_its_byte_cap() {
    // Arrange: 1 MiB for the journal; each request brings 16 KiB of headers and no
    // credentials, 16 MB in all.
    const CAP: usize = 1 << 20;
    let mock = Mock::with(UmMockServer::builder().max_journal_bytes(CAP)).await;
    let padding = "h".repeat(1024);

    // Act
    for _ in 0..1_000 {
        let mut request = mock.client.post(mock.url(PATH_2010)).body("<x/>");
        for n in 0..16 {
            request = request.header(format!("x-padding-{n:02}"), padding.as_str());
        }
        assert_eq!(mock.send(request).await.status, 401);
    }

    // Assert: what the journal holds, headers and bodies, is within the cap; older entries
    // went to make room.
    let journal = mock.get_json("/__admin/requests?limit=10000").await;
    let requests = journal["requests"].as_array().unwrap();
    let held: usize = requests
        .iter()
        .map(|entry| {
            header_bytes(entry)
                + entry["body"].as_str().unwrap().len()
                + entry["response_body"].as_str().map_or(0, str::len)
        })
        .sum();
    assert!(held <= CAP, "the journal holds {held} bytes");
    assert!(
        requests.len() < 100,
        "{} entries of 16 KiB each",
        requests.len()
    );
    assert_eq!(journal["evicted"], 1_000 - requests.len() as u64);
}

#[tokio::test]
async fn requests_with_60_kb_paths_keep_the_journal_under_its_byte_cap() {
    // Arrange: 1 MiB for the journal; 200 requests with 60 KB paths, each quoted again in the
    // 404's reason: 24 MB of text in all.
    const CAP: usize = 1 << 20;
    let mock = Mock::with(UmMockServer::builder().max_journal_bytes(CAP)).await;
    let path = format!("/{}", "p".repeat(60_000));

    // Act
    for _ in 0..200 {
        assert_eq!(
            mock.send(mock.client.get(mock.url(&path))).await.status,
            404
        );
    }

    // Assert: the paths and reasons count with the bodies and headers, so the cap holds.
    let journal = mock.get_json("/__admin/requests?limit=10000").await;
    let requests = journal["requests"].as_array().unwrap();
    let held: usize = requests
        .iter()
        .map(|entry| record_bytes(entry) + header_bytes(entry))
        .sum();
    assert!(held <= CAP, "the journal holds {held} bytes");
    assert!(
        requests.len() < 10,
        "{} entries of 120 KB each",
        requests.len()
    );
    assert_eq!(journal["evicted"], 200 - requests.len() as u64);
}

#[tokio::test]
async fn requests_with_many_one_byte_headers_count_what_each_header_costs() {
    // Arrange: 1 MiB for the journal; 1,000 requests with 90 one-byte headers each. Their
    // names and values are 360 KB in all, but each header is a pair of strings in memory,
    // over 100 bytes: uncounted, 10,000 such entries held 107 MiB whatever the cap.
    const CAP: usize = 1 << 20;
    let mock = Mock::with(UmMockServer::builder().max_journal_bytes(CAP)).await;

    // Act
    for _ in 0..1_000 {
        let mut request = mock.client.get(mock.url("/x"));
        for n in 0..90 {
            request = request.header(format!("x{n:02}"), "v");
        }
        assert_eq!(mock.send(request).await.status, 404);
    }

    // Assert: far fewer than the 1,000 entries whose bytes alone would fit.
    let journal = mock.get_json("/__admin/requests?limit=10000").await;
    let kept = journal["requests"].as_array().unwrap().len();
    assert!(kept < 200, "{kept} entries of 90 headers each in 1 MiB");
    assert_eq!(journal["evicted"], 1_000 - kept as u64);
}

#[tokio::test]
async fn proxy_credentials_and_cookie_values_are_redacted_like_authorization() {
    let mock = Mock::start().await;

    mock.send(
        mock.reset_pin_request("alice")
            .header("Proxy-Authorization", "Basic cHJveHk6czNjcmV0")
            .header(
                "Cookie",
                "ASP.NET_SessionId=abc123secret; X-BackEndCookie=s3cr3tvalue",
            ),
    )
    .await;

    let journal = mock.journal("").await;
    let headers = &journal["requests"][0]["headers"];
    assert_eq!(headers["proxy-authorization"], "Basic [redacted]");
    assert_eq!(
        headers["cookie"],
        "ASP.NET_SessionId=[redacted]; X-BackEndCookie=[redacted]"
    );
    for secret in ["cHJveHk6czNjcmV0", "abc123secret", "s3cr3tvalue"] {
        assert!(!journal.to_string().contains(secret), "{secret}");
    }
}
