//! The Negotiate (SPNEGO) legs, raw NTLM under Negotiate, and Kerberos refused.

use super::super::client::{build_negotiate, WINDOWS_CLIENT_FLAGS};
use super::super::*;
use super::*;

use super::super::spnego::{self, NegotiateToken, NTLM_OID};

/// What the server does with `token` under Negotiate with the default challenge, answering
/// `pending` if there is one.
fn negotiate(token: &[u8], pending: Option<&Challenge>) -> Result<Step, TokenError> {
    accept(
        Scheme::Negotiate,
        token,
        pending,
        &params(ChallengeProfile::Default),
    )
}

#[test]
fn negotiate_wraps_each_leg_and_completes_as_iis_does() {
    let type1 = build_negotiate(WINDOWS_CLIENT_FLAGS);
    let init = spnego::build_init(&[NTLM_OID], Some(&type1));
    let Ok(Step::Challenge { reply, pending }) = negotiate(&init, None) else {
        panic!()
    };
    // accept-incomplete, supportedMech NTLM, then the CHALLENGE.
    assert_eq!(reply[0], 0xa1);
    let Ok(NegotiateToken::Resp(resp)) = spnego::parse(&reply) else {
        panic!()
    };
    assert_eq!(
        (resp.neg_state, resp.supported_mech),
        (Some(1), Some(NTLM_OID))
    );
    let challenge = decode_challenge(resp.response_token.unwrap()).unwrap();

    let type3 = spnego::build_client_resp(&build_authenticate(&challenge, &alice(), V2));
    let Ok(Step::Authenticate {
        message,
        final_reply: Some(done),
    }) = negotiate(&type3, Some(&pending))
    else {
        panic!()
    };
    assert_eq!(
        verify(&message, &pending, "P@ssw0rd!"),
        Ok(ResponseKind::NtlmV2)
    );
    // The well-known final token of IIS: negState accept-completed alone.
    assert_eq!(encode_base64(&done), "oQcwBaADCgEA");
}

#[test]
fn raw_ntlm_under_negotiate_is_answered_raw() {
    let Ok(Step::Challenge { reply, .. }) = negotiate(&build_negotiate(WINDOWS_CLIENT_FLAGS), None)
    else {
        panic!()
    };
    assert!(reply.starts_with(b"NTLMSSP\0\x02\0\0\0"));
}

#[test]
fn kerberos_only_is_refused_with_its_own_reason() {
    let [ms_krb5, krb5] = spnego::KERBEROS_OIDS;
    let init = spnego::build_init(&[ms_krb5, krb5], Some(b"\x6e\x00"));
    let reason = negotiate(&init, None).unwrap_err();
    assert!(matches!(reason, TokenError::KerberosOnly { .. }));
    assert_eq!(
        reason.to_string(),
        "the Negotiate token offers only Kerberos (1.2.840.48018.1.2.2, 1.2.840.113554.1.2.2); \
         Kerberos is not supported, only NTLM inside Negotiate"
    );
    // A bare Kerberos GSS-API token (no SPNEGO) says the same.
    let bare = super::der::tlv(0x60, &super::der::tlv(0x06, krb5));
    assert!(matches!(
        spnego::parse(&bare),
        Err(TokenError::KerberosOnly { .. })
    ));
    let other = spnego::build_init(
        &[&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e]],
        None,
    );
    assert!(negotiate(&other, None)
        .unwrap_err()
        .to_string()
        .contains("1.3.6.1.4.1.311.2.2.30"));
}

#[test]
fn ntlm_offered_second_is_selected_before_its_negotiate() {
    let [ms_krb5, _] = spnego::KERBEROS_OIDS;
    let init = spnego::build_init(&[ms_krb5, NTLM_OID], Some(b"\x6e\x00"));
    let Ok(Step::SelectMech { reply }) = negotiate(&init, None) else {
        panic!()
    };
    let Ok(NegotiateToken::Resp(resp)) = spnego::parse(&reply) else {
        panic!()
    };
    assert_eq!(
        (resp.neg_state, resp.supported_mech, resp.response_token),
        (Some(1), Some(NTLM_OID), None)
    );
    let next = spnego::build_client_resp(&build_negotiate(WINDOWS_CLIENT_FLAGS));
    assert!(matches!(negotiate(&next, None), Ok(Step::Challenge { .. })));
}
