//! Identity: HTTP Basic credentials matched against addresses and logons; every refusal is a
//! 401 that says why, on the wire and in the journal, and changes nothing.

use serde_json::json;

use crate::support::*;

async fn call_with(mock: &Mock, authorization: Option<&str>) -> Reply {
    let mut request = mock
        .client
        .post(mock.url(PATH_2010))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .body(reset_pin_envelope());
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    mock.send(request).await
}

#[tokio::test]
async fn every_kind_of_bad_credentials_gets_a_401_that_says_why() {
    let mock = Mock::start().await;
    let cases = [
        (None, "no Authorization header", None),
        (
            Some("Bearer abc".to_string()),
            "unsupported authentication scheme 'Bearer' (Negotiate, NTLM or Basic)",
            None,
        ),
        (
            Some("Basic !!!not-base64!!!".to_string()),
            "malformed Basic credentials (not base64 of UTF-8 'user:password')",
            None,
        ),
        (
            Some("Basic YWxpY2U=".to_string()), // "alice", no colon
            "malformed Basic credentials (no ':' between user and password)",
            None,
        ),
        (
            Some(basic("CONTOSO\\bob2", "x")),
            "no mailbox has logon 'CONTOSO\\bob2'",
            Some("CONTOSO\\bob2"),
        ),
        (
            Some(basic("dave", "wrong")),
            "wrong password for 'dave@contoso.com'",
            Some("dave"),
        ),
        (
            Some(basic("dave", "p@ssw0rd!")),
            "wrong password for 'dave@contoso.com'",
            Some("dave"),
        ),
    ];
    let mailboxes_before = mock.get_json("/__admin/mailboxes").await;

    for (authorization, reason, identity) in cases {
        let reply = call_with(&mock, authorization.as_deref()).await;

        assert_eq!(reply.status, 401, "{authorization:?}: {}", reply.text());
        assert_eq!(reply.headers_named("WWW-Authenticate"), CHALLENGES);
        assert_eq!(reply.header("X-Exum-Reason"), reason);
        let entry = mock.journal_entry(reply.request_id()).await;
        assert_eq!(entry["status"], 401);
        assert_eq!(entry["reason"], reason);
        assert_eq!(entry["identity"], json!(identity));
        assert_eq!(entry["mailbox"], json!(null));
    }

    assert_eq!(mock.emails("").await["total"], 0);
    assert_eq!(mock.get_json("/__admin/mailboxes").await, mailboxes_before);
    let dave = &mock.get_json("/__admin/scenarios").await["scenarios"][0];
    assert_eq!(
        dave["given"], 0,
        "a refused call does not use up a scripted outcome"
    );
}

#[tokio::test]
async fn logons_and_addresses_match_case_insensitively() {
    let mock = Mock::start().await;
    for user in [
        "contoso\\ALICE",
        "CONTOSO\\alice",
        "Alice",
        "ALICE@CONTOSO.COM",
        "alice.wood@CORP.contoso.com",
    ] {
        let reply = call_with(&mock, Some(&basic(user, "whatever"))).await;

        assert_eq!(reply.status, 200, "{user}: {}", reply.text());
        let entry = mock.journal_entry(reply.request_id()).await;
        assert_eq!(entry["identity"], user);
        assert_eq!(entry["mailbox"], "alice@contoso.com");
    }
    assert_eq!(mock.emails("to=alice@contoso.com").await["total"], 5);
}

#[tokio::test]
async fn a_mailbox_with_a_password_needs_exactly_that_password() {
    let mock = Mock::start().await;
    mock.admin("DELETE", "/__admin/scenarios", None).await;

    let reply = call_with(&mock, Some(&basic("CONTOSO\\Dave", DAVE_PASSWORD))).await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(mock.emails("to=dave@contoso.com").await["total"], 1);
}

#[tokio::test]
async fn the_journal_keeps_the_scheme_but_redacts_the_credentials() {
    let mock = Mock::start().await;
    mock.reset_pin_ok("alice").await;
    call_with(&mock, Some("Bearer secret-token")).await;

    let journal = mock.journal("").await;

    let headers = field(&journal["requests"], "headers");
    assert_eq!(headers[0]["authorization"], "Basic [redacted]");
    assert_eq!(headers[1]["authorization"], "Bearer [redacted]");
    assert!(!journal.to_string().contains("secret-token"));
    assert!(!journal
        .to_string()
        .contains(&basic("alice", "any password")[6..]));
}

#[tokio::test]
async fn an_authorization_header_of_one_bare_token_is_redacted_whole() {
    let mock = Mock::start().await;
    let secret = "c2VjcmV0LXRva2Vu";

    let reply = call_with(&mock, Some(secret)).await;

    assert_eq!(reply.status, 401);
    assert!(
        !reply.header("X-Exum-Reason").contains(secret),
        "{}",
        reply.header("X-Exum-Reason")
    );
    let journal = mock.journal("").await;
    assert_eq!(
        journal["requests"][0]["headers"]["authorization"],
        "[redacted]"
    );
    assert!(!journal.to_string().contains(secret), "{journal:#}");
}
