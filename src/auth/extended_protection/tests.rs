//! The bindings checked under each setting, with the codec's own client sending them; the
//! expected hashes were computed apart from this code (openssl for the certificate's DER and
//! Python's hashlib for SHA-2 and MD5 over the structure), so a layout mistake here shows.

use std::sync::Arc;

use super::*;
use crate::auth::ntlmssp::bindings::{channel_bindings, end_point_hash, EndPointHash};
use crate::auth::ntlmssp::client::{
    build_bound_authenticate, build_negotiate, Binding, ClientResponse, Credentials,
    WINDOWS_CLIENT_FLAGS,
};
use crate::auth::ntlmssp::der::{tlv, OID, SEQUENCE};
use crate::auth::ntlmssp::test_util::hex;
use crate::auth::ntlmssp::{
    accept, decode_challenge, ChallengeParams, ChallengeProfile, Scheme, Step,
};

/// The ECDSA P-256 / SHA-256 certificate of the TLS tests, as DER.
const EC_SHA256: &[u8] = include_bytes!("../testdata/ec-sha256.der");
/// An RSA certificate signed with SHA-384: its binding hashes with SHA-384.
const RSA_SHA384: &[u8] = include_bytes!("../testdata/rsa-sha384.der");
/// MD5 of the channel bindings of `EC_SHA256` (hashlib over openssl's DER).
const EC_SHA256_BINDING: &str = "f426b5e0645351c944253cbd7d7da757";
/// MD5 of the channel bindings of `RSA_SHA384`, with the SHA-384 hash.
const RSA_SHA384_BINDING: &str = "eeb2566c292fea88809d2a295c780e5d";

const V2: ClientResponse = ClientResponse::NtlmV2 {
    client_challenge: [0xaa; 8],
    timestamp: 133_485_408_000_000_000,
};

fn bytes16(text: &str) -> [u8; 16] {
    hex(text).try_into().unwrap()
}

/// A handshake with the client sending `binding`: the AUTHENTICATE and the challenge it answers.
fn answer(
    profile: ChallengeProfile,
    response: ClientResponse,
    binding: &Binding<'_>,
) -> (Authenticate, Challenge) {
    let params = ChallengeParams {
        fqdn: "um01.contoso.com",
        profile,
        server_challenge: [7; 8],
        timestamp: 133_485_408_000_000_000,
    };
    let negotiate = build_negotiate(WINDOWS_CLIENT_FLAGS);
    let Ok(Step::Challenge { reply, pending }) = accept(Scheme::Ntlm, &negotiate, None, &params)
    else {
        panic!("no challenge");
    };
    let creds = Credentials {
        user: "alice",
        domain: "CONTOSO",
        password: "P@ssw0rd!",
        workstation: "WS01",
    };
    let challenge = decode_challenge(&reply).unwrap();
    let message = build_bound_authenticate(&challenge, &creds, response, binding);
    let Ok(Step::Authenticate { message, .. }) =
        accept(Scheme::Ntlm, &message, Some(&pending), &params)
    else {
        panic!("not accepted");
    };
    (message, pending)
}

fn tls(certificate: &[u8]) -> Channel {
    Channel {
        tls: true,
        host: Some("localhost:8443".into()),
        certificate: Some(Arc::from(certificate)),
    }
}

fn http(host: &str) -> Channel {
    Channel {
        tls: false,
        host: Some(host.into()),
        certificate: None,
    }
}

/// The outcome of each setting, in `ExtendedProtection::ALL`'s order.
fn under_each(
    message: &Authenticate,
    pending: &Challenge,
    channel: &Channel,
) -> Vec<Result<(), String>> {
    ExtendedProtection::ALL
        .iter()
        .map(|&setting| check(setting, message, pending, channel, "um01.contoso.com"))
        .collect()
}

#[test]
fn the_binding_hash_follows_the_certificates_signature_algorithm() {
    let certificate = |oid: &str| {
        let algorithm = tlv(SEQUENCE, &tlv(OID, &hex(oid)));
        tlv(SEQUENCE, &[tlv(SEQUENCE, &[]), algorithm].concat())
    };
    let cases = [
        ("2a864886f70d010104", EndPointHash::Sha256), // md5WithRSAEncryption
        ("2a864886f70d010105", EndPointHash::Sha256), // sha1WithRSAEncryption
        ("2a8648ce3d040301", EndPointHash::Sha256),   // ecdsa-with-SHA1
        ("2a864886f70d01010b", EndPointHash::Sha256), // sha256WithRSAEncryption
        ("2a864886f70d01010c", EndPointHash::Sha384), // sha384WithRSAEncryption
        ("2a8648ce3d040303", EndPointHash::Sha384),   // ecdsa-with-SHA384
        ("2a864886f70d01010d", EndPointHash::Sha512), // sha512WithRSAEncryption
        ("2a8648ce3d040304", EndPointHash::Sha512),   // ecdsa-with-SHA512
    ];
    for (oid, want) in cases {
        assert_eq!(end_point_hash(&certificate(oid)), Ok(want), "{oid}");
    }
    assert!(end_point_hash(b"not a certificate").is_err());
}

#[test]
fn the_channel_binding_of_a_certificate_is_the_md5_windows_and_pyspnego_compute() {
    assert_eq!(
        channel_bindings(EC_SHA256).unwrap(),
        (bytes16(EC_SHA256_BINDING), EndPointHash::Sha256)
    );
    assert_eq!(
        channel_bindings(RSA_SHA384).unwrap(),
        (bytes16(RSA_SHA384_BINDING), EndPointHash::Sha384)
    );
}

#[test]
fn a_right_channel_binding_passes_every_setting() {
    let binding = Binding {
        channel: Some(bytes16(RSA_SHA384_BINDING)),
        target: None,
    };
    let (message, pending) = answer(ChallengeProfile::Default, V2, &binding);

    assert_eq!(
        under_each(&message, &pending, &tls(RSA_SHA384)),
        [Ok(()), Ok(()), Ok(())]
    );
}

#[test]
fn a_wrong_channel_binding_is_refused_unless_the_setting_is_none() {
    // The binding of another certificate: a handshake relayed from another TLS server.
    let binding = Binding {
        channel: Some(bytes16(EC_SHA256_BINDING)),
        target: None,
    };
    let (message, pending) = answer(ChallengeProfile::Default, V2, &binding);

    let [none, allow, require] = &under_each(&message, &pending, &tls(RSA_SHA384))[..] else {
        unreachable!()
    };
    assert_eq!(none, &Ok(()));
    assert_eq!(
        allow.as_ref().unwrap_err(),
        "Extended Protection: the NTLM response's channel binding does not match the TLS \
         certificate this connection was served with (tls-server-end-point, SHA-384) \
         (server.extended_protection is \"allow\")"
    );
    assert!(require.as_ref().unwrap_err().contains("does not match"));
}

#[test]
fn no_channel_binding_absent_or_all_zero_is_refused_by_require_only() {
    for channel in [None, Some([0; 16])] {
        let binding = Binding {
            channel,
            target: None,
        };
        let (message, pending) = answer(ChallengeProfile::Default, V2, &binding);

        let outcomes = under_each(&message, &pending, &tls(EC_SHA256));

        assert_eq!(
            outcomes,
            [
                Ok(()),
                Ok(()),
                Err(
                    "Extended Protection: the NTLM response carries no channel binding \
                     (server.extended_protection is \"require\")"
                        .into()
                )
            ],
            "{channel:?}"
        );
    }
}

#[test]
fn ntlm_v1_and_ntlm2_session_responses_cannot_carry_a_binding_so_require_refuses_them() {
    let cases = [
        (ChallengeProfile::NoEss, ClientResponse::NtlmV1, "NTLMv1"),
        (
            ChallengeProfile::Default,
            ClientResponse::Ntlm2Session {
                client_challenge: [3; 8],
            },
            "NTLM2 session response",
        ),
    ];
    for (profile, response, named) in cases {
        let (message, pending) = answer(profile, response, &Binding::default());

        let outcomes = under_each(&message, &pending, &tls(EC_SHA256));

        assert_eq!(outcomes[..2], [Ok(()), Ok(())]);
        let refused = outcomes[2].clone().unwrap_err();
        assert!(
            refused.starts_with(
                "Extended Protection: the NTLM response carries no channel binding: the \
                 client answered with NTLMv1"
            ) && refused.contains(named),
            "{refused}"
        );
        // On plain http there is no service binding either.
        let plain = under_each(&message, &pending, &http("localhost"));
        assert!(plain[2].clone().unwrap_err().contains("no service binding"));
    }
}

#[test]
fn on_plain_http_the_service_binding_must_name_the_host_or_the_fqdn() {
    let outcome = |target: Option<&str>, setting| {
        let binding = Binding {
            channel: None,
            target,
        };
        let (message, pending) = answer(ChallengeProfile::Default, V2, &binding);
        check(
            setting,
            &message,
            &pending,
            &http("Localhost:8080"),
            "um01.contoso.com",
        )
    };
    use ExtendedProtection::{Allow, Require};

    for good in ["HTTP/localhost", "http/LOCALHOST", "HTTP/um01.contoso.com"] {
        assert_eq!(outcome(Some(good), Require), Ok(()), "{good}");
    }
    assert_eq!(outcome(None, Allow), Ok(()));
    assert_eq!(
        outcome(Some("HTTP/evil.example"), Allow).unwrap_err(),
        "Extended Protection: the NTLM response's service binding 'HTTP/evil.example' is not \
         HTTP/Localhost or HTTP/um01.contoso.com (server.extended_protection is \"allow\")"
    );
    assert!(outcome(Some("CIFS/localhost"), Allow).is_err());
    assert_eq!(
        outcome(None, Require).unwrap_err(),
        "Extended Protection: the NTLM response carries no service binding (MsvAvTargetName; \
         expected HTTP/Localhost or HTTP/um01.contoso.com) (server.extended_protection is \
         \"require\")"
    );
}
