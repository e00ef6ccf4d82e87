//! The NTLM legs through the UM endpoint with the codec's own test client: what the hand-rolled
//! and curl clients of the integration tests cannot send (SPNEGO, NTLMv2 with a password).

use bytes::Bytes;

use crate::auth::ntlmssp::client::{
    build_authenticate, build_negotiate, ClientResponse, Credentials,
};
use crate::auth::ntlmssp::spnego::{self, NegotiateToken};
use crate::auth::ntlmssp::{decode_base64, decode_challenge, encode_base64};
use crate::auth::ConnectionAuth;
use crate::fixtures::FixtureSet;
use crate::service::endpoint::tests::answer;
use crate::state::{Config, Shared};
use crate::vocab::wire::WireResponse;

const WINDOWS: u32 = crate::auth::ntlmssp::client::WINDOWS_CLIENT_FLAGS;

fn post(
    shared: &Shared,
    connection: Option<&ConnectionAuth>,
    authorization: Option<String>,
) -> WireResponse {
    let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
    answer(
        shared,
        connection,
        authorization,
        Bytes::from_static(body.as_bytes()),
    )
}

fn challenges(response: &WireResponse) -> Vec<&str> {
    response
        .headers
        .iter()
        .filter(|(name, _)| name == "WWW-Authenticate")
        .map(|(_, value)| value.as_str())
        .collect()
}

fn server() -> Shared {
    Shared::new(FixtureSet::embedded(), Config::default()).unwrap()
}

/// SPNEGO all the way: NegTokenInit(NTLM NEGOTIATE), then NegTokenResp(AUTHENTICATE).
fn negotiate(shared: &Shared, user: &str, password: &str) -> WireResponse {
    let connection = ConnectionAuth::default();
    let init = spnego::build_init(&[spnego::NTLM_OID], Some(&build_negotiate(WINDOWS)));
    let first = post(
        shared,
        Some(&connection),
        Some(format!("Negotiate {}", encode_base64(&init))),
    );
    assert_eq!(first.status, 401);
    let [line] = challenges(&first)[..] else {
        panic!("{:?}", first.headers);
    };
    let token = decode_base64(line.strip_prefix("Negotiate ").unwrap()).unwrap();
    let Ok(NegotiateToken::Resp(resp)) = spnego::parse(&token) else {
        panic!("not a NegTokenResp");
    };
    let challenge = decode_challenge(spnego::ntlm_from_resp(&resp).unwrap()).unwrap();
    let creds = Credentials {
        user,
        domain: "CONTOSO",
        password,
        workstation: "WS01",
    };
    let v2 = ClientResponse::NtlmV2 {
        client_challenge: [0xaa; 8],
        timestamp: 133_485_408_000_000_000,
    };
    let type3 = spnego::build_client_resp(&build_authenticate(&challenge, &creds, v2));
    post(
        shared,
        Some(&connection),
        Some(format!("Negotiate {}", encode_base64(&type3))),
    )
}

#[test]
fn spnego_with_daves_password_is_a_200_with_the_accept_completed_token() {
    let shared = server();
    // dave's first ResetPIN is scripted "server busy"; alice goes through first to show the
    // identity-only path, then dave's answer (a fault, but authenticated).
    let alice = negotiate(&shared, "alice", "anything");
    let dave = negotiate(&shared, "dave", "P@ssw0rd!");

    assert_eq!(alice.status, 200);
    let done = spnego::accept_completed();
    assert_eq!(
        challenges(&alice),
        [format!("Negotiate {}", encode_base64(&done))]
    );
    assert_eq!(dave.status, 500);
    let journal = shared.with(|world| world.all_requests());
    let last = journal.last().unwrap();
    assert_eq!(last.identity.as_deref(), Some("CONTOSO\\dave"));
    assert_eq!(last.auth_scheme.as_deref(), Some("negotiate"));
}

#[test]
fn spnego_with_a_wrong_password_is_a_401_that_says_so() {
    let shared = server();

    let answer = negotiate(&shared, "dave", "wrong");

    assert_eq!(answer.status, 401);
    let reason = answer.header("X-Exum-Reason").unwrap();
    assert!(
        reason.contains("does not match the mailbox's password"),
        "{reason}"
    );
    assert!(shared.with(|world| world.all_emails()).is_empty());
}

#[test]
fn kerberos_only_is_a_401_with_the_codecs_reason() {
    let shared = server();
    let connection = ConnectionAuth::default();
    let init = spnego::build_init(&spnego::KERBEROS_OIDS, None);

    let answer = post(
        &shared,
        Some(&connection),
        Some(format!("Negotiate {}", encode_base64(&init))),
    );

    assert_eq!(answer.status, 401);
    assert!(answer.header("X-Exum-Reason").unwrap().contains("Kerberos"));
    assert_eq!(
        challenges(&answer),
        ["Negotiate", "NTLM", "Basic realm=\"exchange-um-mock\""]
    );
}

#[test]
fn without_a_connection_ntlm_is_a_401_that_says_it_needs_one() {
    let shared = server();

    let answer = post(
        &shared,
        None,
        Some(format!("NTLM {}", encode_base64(&build_negotiate(WINDOWS)))),
    );

    assert_eq!(answer.status, 401);
    assert!(answer
        .header("X-Exum-Reason")
        .unwrap()
        .contains("need a connection"));
}
