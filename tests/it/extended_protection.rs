//! Extended Protection and "Require SSL" as a client meets them, on real keep-alive
//! connections (TLS ones through rustls, reading the certificate the server presented): NTLM
//! answers bound to the channel or not, under each setting; service bindings on plain http;
//! Basic untouched; IIS's 403 on plain http before any authentication.

mod conn;

use conn::*;

use exchange_um_mock::{FixtureSet, UmMockServer};

use crate::support::*;

#[tokio::test]
async fn under_require_a_channel_binding_to_the_served_certificate_is_a_200_and_none_is_a_401() {
    let server = protected("require").await;

    let mut bound = Conn::https(&server).await;
    let binding = bound.binding();
    let ok = bound
        .handshake("NTLM", "alice", &v2(Some(binding), None))
        .await;
    let mut unbound = Conn::https(&server).await;
    let refused = unbound.handshake("NTLM", "alice", &v2(None, None)).await;
    let mut zero = Conn::https(&server).await;
    let zeroed = zero
        .handshake("NTLM", "alice", &v2(Some([0; 16]), None))
        .await;

    assert_eq!(ok.status, 200, "{}", ok.reason());
    let reason = "Extended Protection: the NTLM response carries no channel binding \
                  (server.extended_protection is \"require\")";
    for answer in [&refused, &zeroed] {
        assert_eq!(answer.status, 401);
        assert_eq!(answer.reason(), reason);
        assert_eq!(answer.all("www-authenticate"), CHALLENGES);
    }
    let journal = server.requests();
    let last = journal.last().unwrap();
    assert_eq!(last.reason.as_deref(), Some(reason));
    assert_eq!(last.status, Some(401));
    assert_eq!(last.identity.as_deref(), Some("CONTOSO\\alice"));
    assert_eq!(server.emails_to("alice@contoso.com").len(), 1);
}

#[tokio::test]
async fn a_wrong_channel_binding_is_a_401_under_allow_and_require_and_let_in_under_none() {
    let mut outcomes = Vec::new();
    for setting in ["none", "allow", "require"] {
        let server = protected(setting).await;
        let mut conn = Conn::https(&server).await;
        // A binding to another certificate: what a relayed handshake carries.
        let relayed = binding_for(b"another server's certificate");
        let answer = conn
            .handshake("NTLM", "alice", &v2(Some(relayed), None))
            .await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200);
    for (status, reason) in &outcomes[1..] {
        assert_eq!(*status, 401);
        assert!(
            reason.starts_with(
                "Extended Protection: the NTLM response's channel binding does not match the \
                 TLS certificate this connection was served with (tls-server-end-point, SHA-256)"
            ),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn allow_lets_a_client_without_channel_bindings_in() {
    let server = protected("allow").await;

    let mut absent = Conn::https(&server).await;
    let without = absent.handshake("NTLM", "alice", &v2(None, None)).await;
    let mut bound = Conn::https(&server).await;
    let binding = bound.binding();
    let with = bound
        .handshake("Negotiate", "alice", &v2(Some(binding), None))
        .await;

    assert_eq!(without.status, 200, "{}", without.reason());
    assert_eq!(with.status, 200, "{}", with.reason());
}

#[tokio::test]
async fn ntlm_v1_cannot_carry_a_binding_so_require_refuses_it_and_allow_lets_it_in() {
    let mut outcomes = Vec::new();
    for setting in ["allow", "require"] {
        let server = server(serde_json::json!({
            "extended_protection": setting,
            "ntlm_challenge": "no-ess",
        }))
        .await;
        let mut conn = Conn::https(&server).await;
        let answer = conn.handshake("NTLM", "alice", &Response::V1).await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200, "{}", outcomes[0].1);
    assert_eq!(outcomes[1].0, 401);
    assert_eq!(
        outcomes[1].1,
        "Extended Protection: the NTLM response carries no channel binding: the client answered \
         with NTLMv1, which cannot carry one (server.extended_protection is \"require\")"
    );
}

#[tokio::test]
async fn on_plain_http_the_service_binding_must_name_the_host_or_the_fqdn() {
    let server = protected("require").await;
    let mut outcomes = Vec::new();
    for target in [
        Some("HTTP/localhost"),
        Some("HTTP/UM01.contoso.com"),
        Some("HTTP/relay.example"),
        None,
    ] {
        let mut conn = Conn::http(&server).await;
        let answer = conn.handshake("NTLM", "alice", &v2(None, target)).await;
        outcomes.push((answer.status, answer.reason().to_string()));
    }

    assert_eq!(outcomes[0].0, 200, "{}", outcomes[0].1);
    assert_eq!(outcomes[1].0, 200, "{}", outcomes[1].1);
    assert_eq!(
        outcomes[2],
        (
            401,
            "Extended Protection: the NTLM response's service binding 'HTTP/relay.example' is not \
             HTTP/localhost or HTTP/um01.contoso.com (server.extended_protection is \"require\")"
                .to_string()
        )
    );
    assert_eq!(
        outcomes[3],
        (
            401,
            "Extended Protection: the NTLM response carries no service binding (MsvAvTargetName; \
             expected HTTP/localhost or HTTP/um01.contoso.com) (server.extended_protection is \
             \"require\")"
                .to_string()
        )
    );
}

#[tokio::test]
async fn the_binding_is_checked_before_the_password_of_a_mailbox_that_has_one() {
    let server = protected("require").await;
    let mut conn = Conn::https(&server).await;

    // dave has a password; the proof here is not computed from it either.
    let answer = conn.handshake("NTLM", "dave", &v2(None, None)).await;

    assert_eq!(answer.status, 401);
    assert!(
        answer.reason().contains("carries no channel binding"),
        "{}",
        answer.reason()
    );
}

#[tokio::test]
async fn basic_is_not_affected_by_extended_protection() {
    let server = protected("require").await;
    let auth = basic("dave", DAVE_PASSWORD);

    let mut tls = Conn::https(&server).await;
    let over_tls = tls.send("POST", PATH_2010, Some(auth.clone())).await;
    let mut plain = Conn::http(&server).await;
    let over_http = plain.send("POST", PATH_2010, Some(auth)).await;

    // dave's first ResetPIN is scripted "server busy": answered, so authenticated.
    assert_eq!(over_tls.status, 500, "{}", over_tls.reason());
    assert_ne!(over_http.status, 401, "{}", over_http.reason());
    assert_eq!(server.requests().len(), 2);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.identity.as_deref() == Some("dave")));
}

#[tokio::test]
async fn require_ssl_answers_soap_wsdl_and_autodiscover_on_http_with_iis_403_before_authentication()
{
    let server = server(serde_json::json!({ "require_ssl": true })).await;
    let mut plain = Conn::http(&server).await;

    let without_credentials = plain.send("POST", PATH_2010, None).await;
    let with_credentials = plain
        .send("POST", PATH_2010, Some(basic("dave", DAVE_PASSWORD)))
        .await;
    let wsdl = plain.send("GET", &format!("{PATH_2010}?wsdl"), None).await;
    let autodiscover = plain
        .send("POST", "/autodiscover/autodiscover.xml", None)
        .await;

    for answer in [
        &without_credentials,
        &with_credentials,
        &wsdl,
        &autodiscover,
    ] {
        assert_eq!(answer.status, 403);
        assert_eq!(answer.body, "403 - Forbidden: Access is denied.");
        assert_eq!(answer.reason(), "SSL is required");
        assert!(answer.all("www-authenticate").is_empty());
    }
    let journal = server.requests();
    assert_eq!(journal.len(), 4);
    for entry in &journal {
        assert_eq!(entry.status, Some(403));
        assert_eq!(entry.reason.as_deref(), Some("SSL is required"));
        assert_eq!(entry.identity, None);
    }
    assert!(server.emails().is_empty());
}

#[tokio::test]
async fn require_ssl_leaves_https_and_the_admin_api_alone() {
    let server = server(serde_json::json!({ "require_ssl": true })).await;

    let mut tls = Conn::https(&server).await;
    let over_tls = tls.send("POST", PATH_2010, Some(basic("alice", "x"))).await;
    let mut plain = Conn::http(&server).await;
    let admin = plain.send("GET", "/__admin/mailboxes", None).await;

    assert_eq!(over_tls.status, 200, "{}", over_tls.reason());
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.body.contains("alice@contoso.com"));
}

#[tokio::test]
async fn an_unknown_extended_protection_value_is_a_fixture_problem_that_lists_the_values() {
    let json = r#"{"server": {"extended_protection": "always"}, "mailboxes": []}"#;

    let started = UmMockServer::builder()
        .fixtures(FixtureSet::from_mock_json(json))
        .start()
        .await;

    let Err(error) = started else {
        panic!("'always' was accepted");
    };
    let problem = error
        .problems()
        .iter()
        .find(|p| p.path == "server.extended_protection")
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(
        problem.message,
        "unknown value 'always' (use none, allow or require)"
    );
}
