//! Raw NTLM legs: each response kind verified, refusals and malformed messages explained.

use super::super::client::{build_anonymous, build_negotiate, WINDOWS_CLIENT_FLAGS};
use super::super::flags::*;
use super::super::*;
use super::*;

#[test]
fn ntlm_v2_is_verified_with_user_and_domain_as_sent() {
    let (auth, pending) = handshake(
        WINDOWS_CLIENT_FLAGS,
        ChallengeProfile::Default,
        &alice(),
        V2,
    );
    assert_eq!(auth.identity(), "CONTOSO\\alice");
    assert_eq!(auth.workstation, "WS01");
    assert!(auth.version.is_some() && auth.mic.is_some());
    assert_eq!(auth.encrypted_session_key.len(), 16);
    assert_eq!(
        verify(&auth, &pending, "P@ssw0rd!"),
        Ok(ResponseKind::NtlmV2)
    );
    let wrong = verify(&auth, &pending, "password").unwrap_err();
    assert_eq!(wrong, VerifyError::Mismatch(ResponseKind::NtlmV2));
    assert_eq!(
        wrong.to_string(),
        "the NTLMv2 response does not match the mailbox's password"
    );
    // The domain is hashed as sent: the same password under another spelling fails.
    let mut renamed = auth.clone();
    renamed.domain = "contoso".into();
    assert!(verify(&renamed, &pending, "P@ssw0rd!").is_err());
}

#[test]
fn the_no_ess_profile_gets_ntlm_v1_and_it_is_verified() {
    let (auth, pending) = handshake(
        WINDOWS_CLIENT_FLAGS,
        ChallengeProfile::NoEss,
        &alice(),
        ClientResponse::NtlmV1,
    );
    assert_eq!(
        verify(&auth, &pending, "P@ssw0rd!"),
        Ok(ResponseKind::NtlmV1)
    );
    assert_eq!(
        verify(&auth, &pending, "nope").unwrap_err().to_string(),
        "the NTLMv1 response does not match the mailbox's password"
    );
}

#[test]
fn the_ntlm2_session_response_is_verified() {
    let (auth, pending) = handshake(
        WINDOWS_CLIENT_FLAGS,
        ChallengeProfile::NoTargetInfo,
        &alice(),
        ESS,
    );
    assert_eq!(
        verify(&auth, &pending, "P@ssw0rd!"),
        Ok(ResponseKind::Ntlm2Session)
    );
    assert_eq!(
        verify(&auth, &pending, "nope"),
        Err(VerifyError::Mismatch(ResponseKind::Ntlm2Session))
    );
}

#[test]
fn an_oem_client_is_read_and_verified_in_oem() {
    let flags = NEGOTIATE_OEM | REQUEST_TARGET | NEGOTIATE_NTLM | EXTENDED_SESSIONSECURITY;
    let (auth, pending) = handshake(flags, ChallengeProfile::Default, &alice(), V2);
    assert_eq!(auth.flags & NEGOTIATE_UNICODE, 0);
    assert_eq!((auth.user.as_str(), auth.mic), ("alice", None));
    assert_eq!(
        verify(&auth, &pending, "P@ssw0rd!"),
        Ok(ResponseKind::NtlmV2)
    );
}

#[test]
fn the_ms_nlmp_ntlm_v2_example_is_reproduced_and_verified() {
    let challenge = decode_challenge(&spec_v2_challenge()).unwrap();
    assert_eq!(
        (challenge.flags, challenge.target_name.as_str()),
        (0xe28a_8233, "Server")
    );
    let creds = Credentials {
        user: "User",
        domain: "Domain",
        password: "Password",
        workstation: "COMPUTER",
    };
    let response = ClientResponse::NtlmV2 {
        client_challenge: [0xaa; 8],
        timestamp: 0,
    };
    let auth = decode_authenticate(&build_authenticate(&challenge, &creds, response)).unwrap();
    assert_eq!(
        auth.lm_response,
        hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"),
        "4.2.4.2.1"
    );
    assert_eq!(
        auth.nt_response[..16],
        hex("68cd0ab851e51c96aabc927bebef6a1c"),
        "4.2.4.2.2"
    );
    let pending = Challenge {
        server_challenge: challenge.server_challenge,
        flags: challenge.flags,
        profile: ChallengeProfile::NoTimestamp,
        target_info: challenge.target_info.clone(),
        timestamp: None,
    };
    assert_eq!(
        verify(&auth, &pending, "Password"),
        Ok(ResponseKind::NtlmV2)
    );
    // LMv2 alone, as a few old clients send it, checks out too.
    let mut lm_only = auth.clone();
    lm_only.nt_response.clear();
    assert_eq!(
        verify(&lm_only, &pending, "Password"),
        Ok(ResponseKind::LmV2)
    );
    assert_eq!(
        verify(&lm_only, &pending, "password"),
        Err(VerifyError::Mismatch(ResponseKind::LmV2))
    );
}

/// An AUTHENTICATE laid out by hand as MS-NLMP 2.2.1.3 and 4.2.3.3 describe it (NTLM2 session
/// response of 4.2.3.2, payloads in another order than this module's client writes them).
#[test]
fn a_hand_laid_authenticate_decodes_and_verifies() {
    let message = hex("4e544c4d53535000 03000000
        18001800 64000000  18001800 7c000000  0c000c00 40000000
        08000800 4c000000  10001000 54000000  00000000 94000000  35820880
        44006f006d00610069006e00 5500730065007200 43004f004d0050005500540045005200
        aaaaaaaaaaaaaaaa00000000000000000000000000000000
        7537f803ae367128ca458204bde7caf81e97ed2683267232");
    let auth = decode_authenticate(&message).unwrap();
    assert_eq!(
        (
            auth.domain.as_str(),
            auth.user.as_str(),
            auth.workstation.as_str()
        ),
        ("Domain", "User", "COMPUTER")
    );
    assert_eq!((auth.version, auth.mic), (None, None));
    // Payloads starting at 72 leave room for a Version, but without the flag there is none.
    let mut late = message[..64].to_vec();
    late.extend_from_slice(&[0; 8]);
    late.extend_from_slice(&message[64..]);
    for at in [16, 24, 32, 40, 48, 56] {
        let offset = u32::from_le_bytes(late[at..at + 4].try_into().unwrap()) + 8;
        late[at..at + 4].copy_from_slice(&offset.to_le_bytes());
    }
    let shifted = decode_authenticate(&late).unwrap();
    assert_eq!((shifted.version, shifted.user.as_str()), (None, "User"));
    let pending = Challenge {
        server_challenge: SERVER_CHALLENGE,
        flags: 0x8008_8235,
        profile: ChallengeProfile::NoTargetInfo,
        target_info: Vec::new(),
        timestamp: None,
    };
    assert_eq!(
        verify(&auth, &pending, "Password"),
        Ok(ResponseKind::Ntlm2Session)
    );
}

#[test]
fn anonymous_and_unsolicited_and_foreign_authenticates_are_refused() {
    let Ok(Step::Challenge { reply, pending }) = accept(
        Scheme::Ntlm,
        &build_negotiate(WINDOWS_CLIENT_FLAGS),
        None,
        &params(ChallengeProfile::Default),
    ) else {
        panic!()
    };
    let challenge = decode_challenge(&reply).unwrap();
    let anonymous = build_anonymous(&challenge);
    let refused = accept(
        Scheme::Ntlm,
        &anonymous,
        Some(&pending),
        &params(ChallengeProfile::Default),
    );
    assert_eq!(refused, Err(TokenError::Anonymous));
    let decoded = decode_authenticate(&anonymous).unwrap();
    assert_eq!(verify(&decoded, &pending, "x"), Err(VerifyError::Anonymous));

    let type3 = build_authenticate(&challenge, &alice(), V2);
    let unsolicited = accept(
        Scheme::Ntlm,
        &type3,
        None,
        &params(ChallengeProfile::Default),
    );
    assert_eq!(
        unsolicited.unwrap_err().to_string(),
        "an NTLM AUTHENTICATE message arrived with no CHALLENGE pending on this connection"
    );

    let mut other = pending.clone();
    other.timestamp = Some(NOW + 1);
    assert_eq!(
        accept(
            Scheme::Ntlm,
            &type3,
            Some(&other),
            &params(ChallengeProfile::Default)
        ),
        Err(TokenError::OtherChallenge)
    );
}

#[test]
fn malformed_messages_say_why() {
    let reason = |bytes: &[u8]| decode_message(bytes).unwrap_err().to_string();
    assert_eq!(
        reason(b"NTLMSSQ\0\x01\0\0\0"),
        "not an NTLM message (bad signature)"
    );
    assert_eq!(
        reason(b"NTLMSSP\0\x07\0\0\0"),
        "unknown NTLM message type 7"
    );
    assert!(reason(b"NTLMSSP\0\x03\0\0\0\0\0").starts_with("NTLM message truncated: "));
    assert!(reason(b"NTLM").starts_with("NTLM message truncated: "));
    let challenge = decode_challenge(&spec_v2_challenge()).unwrap();
    let mut type3 = build_authenticate(&challenge, &alice(), V2);
    type3[40..44].copy_from_slice(&10_000u32.to_le_bytes());
    assert!(
        reason(&type3).starts_with("offset of the user name field points outside the message"),
        "{}",
        reason(&type3)
    );
    assert!(reason(&vec![0; MAX_TOKEN_LEN + 1]).contains("too large"));
    let in_wrong_place = accept(
        Scheme::Ntlm,
        &spec_v2_challenge(),
        None,
        &params(ChallengeProfile::Default),
    );
    assert_eq!(
        in_wrong_place.unwrap_err().to_string(),
        "expected an NTLM NEGOTIATE or AUTHENTICATE message, got an NTLM CHALLENGE message (type 2)"
    );
}

#[test]
fn base64_tokens_are_bounded_and_checked() {
    assert_eq!(
        decode_base64(&encode_base64(b"NTLMSSP\0")).unwrap(),
        b"NTLMSSP\0"
    );
    assert_eq!(
        decode_base64("TlRMTVNTUAA").unwrap(),
        b"NTLMSSP\0",
        "padding is optional"
    );
    assert_eq!(decode_base64("not base64!"), Err(TokenError::Base64));
    assert_eq!(decode_base64("  "), Err(TokenError::Empty));
    assert!(matches!(
        decode_base64(&"A".repeat(100_000)),
        Err(TokenError::TooLarge { .. })
    ));
}
