//! The order of the endpoint's checks: who is calling before what they sent.

use base64::Engine as _;
use bytes::Bytes;

use super::handle;
use crate::auth::ConnectionAuth;
use crate::fixtures::FixtureSet;
use crate::state::{Config, Shared};
use crate::vocab::wire::{Reply, WireRequest, WireResponse};
use crate::vocab::xml::work_so_far;

/// An envelope whose `Envelope` element carries `count` attributes: the shape that cost ~10 s
/// of CPU per request with 90,000 while the reader's check was pairwise.
fn hostile_envelope(count: usize) -> String {
    let attributes: String = (0..count).map(|i| format!(" a{i}=''")).collect();
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"{attributes}><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#
    )
}

/// POSTs `body` to the UM endpoint with `authorization` as its `Authorization` header if
/// any, on `connection` if any; the answer (a fault or a stream fails the test). The auth
/// tests post through it too.
pub(crate) fn answer(
    shared: &Shared,
    connection: Option<&ConnectionAuth>,
    authorization: Option<String>,
    body: Bytes,
) -> WireResponse {
    let headers = authorization
        .map(|value| vec![("authorization".to_string(), value)])
        .unwrap_or_default();
    let wire = WireRequest::new("POST", "/EWS/UM2007Legacy.asmx", None, headers, body);
    match handle(shared, &wire, connection).reply {
        Reply::Http(response) => response,
        Reply::Network(fault) => panic!("network fault {fault:?}"),
        Reply::Stream(_) => panic!("the endpoint never streams"),
    }
}

/// POSTs `body` as `user` (Basic), or with no credentials; the answer and the XML reader's
/// work it took.
fn post(shared: &Shared, user: Option<&str>, body: String) -> (WireResponse, usize) {
    let authorization = user.map(|user| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"));
        format!("Basic {token}")
    });
    let before = work_so_far();
    let response = answer(shared, None, authorization, Bytes::from(body));
    (response, work_so_far() - before)
}

fn server() -> Shared {
    Shared::new(FixtureSet::embedded(), Config::default()).unwrap()
}

#[test]
fn an_unauthenticated_hostile_envelope_gets_its_401_without_being_parsed() {
    let shared = server();

    let (anonymous, anonymous_work) = post(&shared, None, hostile_envelope(90_000));
    let (stranger, stranger_work) =
        post(&shared, Some("CONTOSO\\nobody"), hostile_envelope(90_000));
    let (alice, alice_work) = post(&shared, Some("alice"), hostile_envelope(1_000));

    assert_eq!(anonymous.status, 401);
    assert_eq!(stranger.status, 401);
    assert_eq!(
        anonymous_work, 0,
        "no credentials: the envelope is not read"
    );
    assert_eq!(stranger_work, 0, "unknown user: the envelope is not read");
    // The same shape from a caller who is someone is read (and answered as before).
    assert_eq!(alice.status, 200);
    assert!(
        alice_work >= 1_000,
        "alice's envelope was read: {alice_work}"
    );
    let journal = shared.with(|w| w.all_requests());
    let refused: Vec<_> = journal
        .iter()
        .map(|r| (r.status, r.operation.as_deref(), r.reason.as_deref()))
        .collect();
    assert_eq!(
        refused[..2],
        [
            (Some(401), None, Some("no Authorization header")),
            (
                Some(401),
                None,
                Some("no mailbox has logon 'CONTOSO\\nobody'")
            )
        ]
    );
    assert_eq!(journal[2].operation.as_deref(), Some("ResetPIN"));
}

#[test]
fn a_malformed_envelope_is_a_401_without_credentials_and_the_fault_with_them() {
    let shared = server();
    let truncated = "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Bo";

    let (anonymous, _) = post(&shared, None, truncated.to_string());
    let (alice, _) = post(&shared, Some("alice"), truncated.to_string());

    assert_eq!(anonymous.status, 401);
    assert_eq!(alice.status, 500);
    assert!(std::str::from_utf8(&alice.body)
        .unwrap()
        .contains("ErrorInvalidRequest"));
}
