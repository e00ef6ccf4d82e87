//! Windows authentication over real connections: curl's NTLM against the default fixtures, and a
//! hand-rolled NTLM client on raw keep-alive connections for the connection-bound rules and bad
//! tokens.

use base64::Engine as _;
use exchange_um_mock::{ErrorKind, FixtureSet, UmMockServer};

use crate::support::ntlm::{type1, type3, Conn};
use crate::support::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn curl_reset_pin(mock: &Mock, user_password: &str, dir: &std::path::Path) -> (u16, String) {
    let body = dir.join("reset.xml");
    std::fs::write(&body, reset_pin_envelope()).unwrap();
    let output = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--ntlm",
            "-u",
        ])
        .arg(user_password)
        .args(["-H", &format!("Content-Type: {SOAP_CONTENT_TYPE}"), "-d"])
        .arg(format!("@{}", body.display()))
        .arg(mock.url(PATH_2010))
        .output()
        .expect("curl is installed");
    let code = String::from_utf8(output.stdout).unwrap();
    (
        code.parse().unwrap(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("exum-ntlm-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn curl_ntlm_resets_alices_pin_as_contoso_alice() {
    let mock = Mock::start().await;
    let dir = temp_dir("alice");

    let (status, stderr) = curl_reset_pin(&mock, "CONTOSO\\alice:x", &dir);

    assert_eq!(status, 200, "{stderr}");
    assert_eq!(mock.server.emails_to("alice@contoso.com").len(), 1);
    assert_eq!(mock.server.emails().len(), 1);
    let last = mock.server.requests().pop().unwrap();
    assert_eq!(last.identity.as_deref(), Some("CONTOSO\\alice"));
    assert_eq!(last.auth_scheme.as_deref(), Some("ntlm"));
    assert_eq!(last.mailbox.as_deref(), Some("alice@contoso.com"));
}

#[tokio::test]
async fn curl_ntlm_with_daves_password_works_and_a_wrong_one_is_a_401_that_says_why() {
    let mock = Mock::start().await;
    let dir = temp_dir("dave");

    let (wrong, _) = curl_reset_pin(&mock, "CONTOSO\\dave:wrong", &dir);
    let refused = mock.server.requests().pop().unwrap();
    let (right, stderr) = curl_reset_pin(&mock, &format!("CONTOSO\\dave:{DAVE_PASSWORD}"), &dir);

    assert_eq!(wrong, 401);
    assert!(
        refused
            .reason
            .as_deref()
            .unwrap()
            .contains("does not match the mailbox's password"),
        "{refused:?}"
    );
    // dave's first ResetPIN is scripted "server busy": a 500 fault, but he got that far.
    assert_eq!(right, 500, "{stderr}");
    let last = mock.server.requests().pop().unwrap();
    assert_eq!(last.identity.as_deref(), Some("CONTOSO\\dave"));
    assert_eq!(last.auth_scheme.as_deref(), Some("ntlm"));
}

#[tokio::test]
async fn an_ntlm_domain_daves_could_not_belong_to_is_refused_even_with_his_password() {
    let mock = Mock::start().await;
    let dir = temp_dir("domains");
    let mut answers = Vec::new();

    for user in [
        "EVIL\\dave",
        "CONTOSO\\dave",
        "contoso.com\\dave",
        "dave@contoso.com",
    ] {
        let (status, stderr) = curl_reset_pin(&mock, &format!("{user}:{DAVE_PASSWORD}"), &dir);
        let last = mock.server.requests().pop().unwrap();
        answers.push((status, last.identity, last.mailbox, last.reason, stderr));
    }

    let (status, identity, mailbox, reason, stderr) = &answers[0];
    assert_eq!(*status, 401, "{stderr}");
    assert_eq!(identity.as_deref(), Some("EVIL\\dave"));
    assert_eq!(mailbox.as_deref(), None);
    assert_eq!(
        reason.as_deref(),
        Some(
            "no mailbox has logon 'EVIL\\dave', and the domain 'EVIL' is neither the \
             server's (CONTOSO, contoso.com) nor that of a logon of a mailbox named 'dave'"
        )
    );
    // The NetBIOS domain (dave's first ResetPIN is scripted "server busy"), the DNS domain of
    // server.fqdn, and a UPN, whose NTLM domain is empty.
    let rest: Vec<_> = answers[1..]
        .iter()
        .map(|(status, identity, mailbox, _, _)| (*status, identity.as_deref(), mailbox.as_deref()))
        .collect();
    assert_eq!(
        rest,
        [
            (500, Some("CONTOSO\\dave"), Some("dave@contoso.com")),
            (200, Some("contoso.com\\dave"), Some("dave@contoso.com")),
            (200, Some("dave@contoso.com"), Some("dave@contoso.com")),
        ]
    );
}

#[tokio::test]
async fn a_domain_of_one_of_the_mailboxs_logons_is_one_it_belongs_to_in_any_case() {
    let mock = Mock::start().await;
    let logons = serde_json::json!({ "logons": ["FABRIKAM\\alice", "alice"] });
    let patched = mock
        .admin(
            "PATCH",
            "/__admin/mailboxes/alice@contoso.com",
            Some(logons),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());

    let fabrikam = Conn::open(&mock)
        .await
        .handshake(PATH_2010, "NTLM", "fabrikam", "alice")
        .await;
    let server = Conn::open(&mock)
        .await
        .handshake(PATH_2010, "NTLM", "contoso", "alice")
        .await;
    let evil = Conn::open(&mock)
        .await
        .handshake(PATH_2010, "NTLM", "EVIL", "alice")
        .await;

    assert_eq!((fabrikam.status, server.status), (200, 200));
    assert_eq!(evil.status, 401);
    assert!(
        evil.reason().contains("the domain 'EVIL'"),
        "{}",
        evil.reason()
    );
    let identities: Vec<_> = mock
        .server
        .requests()
        .into_iter()
        .filter_map(|r| r.identity)
        .collect();
    assert!(
        identities.contains(&"fabrikam\\alice".to_string()),
        "{identities:?}"
    );
}

#[tokio::test]
async fn an_ntlm_connection_stays_authenticated_and_a_new_one_does_not() {
    let mock = Mock::start().await;
    let mut conn = Conn::open(&mock).await;

    let first = conn.handshake(PATH_2010, "NTLM", "CONTOSO", "alice").await;
    let second = conn.reset_pin(PATH_2010, None).await;
    let fresh = Conn::open(&mock).await.reset_pin(PATH_2010, None).await;

    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(mock.server.emails_to("alice@contoso.com").len(), 2);
    let journal = mock.server.requests();
    let second_entry = &journal[2];
    assert_eq!(second_entry.identity.as_deref(), Some("CONTOSO\\alice"));
    assert_eq!(second_entry.auth_scheme.as_deref(), Some("ntlm"));
    assert_eq!(fresh.status, 401);
    assert_eq!(fresh.all("www-authenticate"), CHALLENGES);
}

#[tokio::test]
async fn basic_on_an_ntlm_connection_is_that_user_for_that_request_only() {
    let mock = Mock::start().await;
    let mut conn = Conn::open(&mock).await;

    conn.handshake(PATH_2010, "NTLM", "CONTOSO", "alice").await;
    let as_carol = conn.reset_pin(PATH_2010, Some(basic("carol", "x"))).await;
    let again = conn.reset_pin(PATH_2010, None).await;

    assert_eq!((as_carol.status, again.status), (200, 200));
    let journal = mock.server.requests();
    assert_eq!(journal[2].auth_scheme.as_deref(), Some("basic"));
    assert_eq!(journal[2].mailbox.as_deref(), Some("carol@contoso.com"));
    assert_eq!(journal[3].mailbox.as_deref(), Some("alice@contoso.com"));
}

#[tokio::test]
async fn a_type_3_with_no_challenge_pending_is_a_401() {
    let mock = Mock::start().await;
    let mut conn = Conn::open(&mock).await;

    let answer = conn
        .reset_pin(
            PATH_2010,
            Some(format!("NTLM {}", B64.encode(type3("CONTOSO", "alice")))),
        )
        .await;

    assert_eq!(answer.status, 401);
    assert!(
        answer.reason().contains("no CHALLENGE pending"),
        "{}",
        answer.reason()
    );
    assert!(mock.server.emails().is_empty());
}

#[tokio::test]
async fn bad_tokens_are_401s_with_a_reason_and_leave_the_handshake_as_it_was() {
    let mock = Mock::start().await;
    let mut conn = Conn::open(&mock).await;
    let challenge = conn
        .reset_pin(PATH_2010, Some(format!("NTLM {}", B64.encode(type1()))))
        .await;
    assert_eq!(challenge.status, 401);

    let garbage = conn
        .reset_pin(PATH_2010, Some("NTLM !!!not base64!!!".into()))
        .await;
    let truncated = type3("CONTOSO", "alice")[..40].to_vec();
    let short = conn
        .reset_pin(PATH_2010, Some(format!("NTLM {}", B64.encode(truncated))))
        .await;
    let whole = conn
        .reset_pin(
            PATH_2010,
            Some(format!("NTLM {}", B64.encode(type3("CONTOSO", "alice")))),
        )
        .await;

    for bad in [&garbage, &short] {
        assert_eq!(bad.status, 401);
        assert!(!bad.reason().is_empty());
        assert_eq!(bad.all("www-authenticate"), CHALLENGES);
    }
    // The challenge was still pending: the good type 3 answers it.
    assert_eq!(whole.status, 200, "{}", whole.reason());
    assert_eq!(mock.server.emails().len(), 1);
}

#[tokio::test]
async fn raw_ntlm_under_negotiate_is_journaled_as_negotiate() {
    let mock = Mock::start().await;
    let mut conn = Conn::open(&mock).await;

    let answer = conn
        .handshake(PATH_2010, "Negotiate", "", "alice@contoso.com")
        .await;

    assert_eq!(answer.status, 200, "{}", answer.reason());
    let last = mock.server.requests().pop().unwrap();
    assert_eq!(last.identity.as_deref(), Some("alice@contoso.com"));
    assert_eq!(last.auth_scheme.as_deref(), Some("negotiate"));
}

#[tokio::test]
async fn a_scheme_the_fixtures_do_not_offer_is_no_credentials() {
    let mock = Mock::with_mock_json(
        r#"{"server": {"auth": ["basic"]}, "mailboxes": [{"smtp_address": "alice@contoso.com", "extension": "7001"}]}"#,
    )
    .await;
    let mut conn = Conn::open(&mock).await;

    let answer = conn
        .reset_pin(PATH_2010, Some(format!("NTLM {}", B64.encode(type1()))))
        .await;

    assert_eq!(answer.status, 401);
    assert_eq!(answer.all("www-authenticate"), [CHALLENGE]);
    assert!(
        answer.reason().contains("not offered"),
        "{}",
        answer.reason()
    );
}

#[tokio::test]
async fn unknown_or_empty_auth_lists_are_fixture_problems_with_their_path() {
    let cases = [
        (r#""auth": ["ntlm", "kerberos"]"#, "server.auth[1]"),
        (r#""auth": []"#, "server.auth"),
        (r#""ntlm_challenge": "vintage""#, "server.ntlm_challenge"),
    ];
    for (setting, path) in cases {
        let json = format!(r#"{{"server": {{ {setting} }}, "mailboxes": []}}"#);
        let started = UmMockServer::builder()
            .fixtures(FixtureSet::from_mock_json(json))
            .start()
            .await;
        let Err(error) = started else {
            panic!("{setting} was accepted");
        };
        assert_eq!(error.kind(), ErrorKind::Fixtures, "{error}");
        assert!(error.problems().iter().any(|p| p.path == path), "{error}");
    }
}

#[tokio::test]
async fn a_scripted_401_offers_the_configured_schemes() {
    let mock = Mock::with_mock_json(
        r#"{"server": {"auth": ["ntlm", "basic"]},
            "mailboxes": [{"smtp_address": "alice@contoso.com", "extension": "7001"}],
            "scenarios": [{"mailbox": "alice@contoso.com", "operation": "ResetPIN", "outcomes": [{"http": 401}]}]}"#,
    )
    .await;

    let answer = Conn::open(&mock)
        .await
        .reset_pin(PATH_2010, Some(basic("alice@contoso.com", "x")))
        .await;

    assert_eq!(answer.status, 401);
    assert_eq!(answer.all("www-authenticate"), ["NTLM", CHALLENGE]);
}
