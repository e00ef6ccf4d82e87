//! The legs end to end, as the lead will drive them: the client helper's messages through
//! [`accept`] and [`verify`], the CHALLENGE as a Windows server writes it, and the reasons.

use super::client::{
    build_anonymous, build_authenticate, build_negotiate, ClientResponse, Credentials,
    WINDOWS_CLIENT_FLAGS,
};
use super::flags::*;
use super::spnego::{self, NegotiateToken, NTLM_OID};
use super::test_util::hex;
use super::wire::{av_pairs, utf16le};
use super::*;

const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
/// 2024-01-01T00:00:00Z as a FILETIME.
const NOW: u64 = 133_485_408_000_000_000;

fn params(profile: ChallengeProfile) -> ChallengeParams<'static> {
    ChallengeParams {
        fqdn: "um01.contoso.com",
        profile,
        server_challenge: SERVER_CHALLENGE,
        timestamp: NOW,
    }
}

fn alice() -> Credentials<'static> {
    Credentials {
        user: "alice",
        domain: "CONTOSO",
        password: "P@ssw0rd!",
        workstation: "WS01",
    }
}

const V2: ClientResponse = ClientResponse::NtlmV2 {
    client_challenge: [0xaa; 8],
    timestamp: NOW,
};
const ESS: ClientResponse = ClientResponse::Ntlm2Session {
    client_challenge: [0xaa; 8],
};

/// Runs type 1 then type 3 over raw NTLM; returns the decoded AUTHENTICATE and the pending.
fn handshake(
    flags: u32,
    profile: ChallengeProfile,
    creds: &Credentials<'_>,
    response: ClientResponse,
) -> (Authenticate, Challenge) {
    let Ok(Step::Challenge { reply, pending }) = accept(
        Scheme::Ntlm,
        &build_negotiate(flags),
        None,
        &params(profile),
    ) else {
        panic!("type 1 not answered with a CHALLENGE");
    };
    let challenge = decode_challenge(&reply).unwrap();
    let type3 = build_authenticate(&challenge, creds, response);
    match accept(Scheme::Ntlm, &type3, Some(&pending), &params(profile)) {
        Ok(Step::Authenticate {
            message,
            final_reply: None,
        }) => (message, pending),
        other => panic!("type 3 not accepted: {other:?}"),
    }
}

#[test]
fn the_challenge_echoes_a_windows_client_and_names_the_server() {
    let negotiate = decode_negotiate(&build_negotiate(WINDOWS_CLIENT_FLAGS)).unwrap();
    let (bytes, kept) = encode_challenge(&negotiate, &params(ChallengeProfile::Default));
    let challenge = decode_challenge(&bytes).unwrap();
    let expected = NEGOTIATE_UNICODE
        | REQUEST_TARGET
        | NEGOTIATE_SIGN
        | NEGOTIATE_SEAL
        | NEGOTIATE_NTLM
        | NEGOTIATE_ALWAYS_SIGN
        | TARGET_TYPE_DOMAIN
        | EXTENDED_SESSIONSECURITY
        | NEGOTIATE_TARGET_INFO
        | NEGOTIATE_VERSION
        | NEGOTIATE_128
        | NEGOTIATE_KEY_EXCH
        | NEGOTIATE_56;
    assert_eq!(challenge.flags, expected, "{:#010x}", challenge.flags);
    // The flags Windows servers are seen answering Windows clients with.
    assert_eq!(expected, 0xe289_8235);
    assert_eq!(challenge.target_name, "CONTOSO");
    assert_eq!(challenge.server_challenge, SERVER_CHALLENGE);
    assert_eq!(
        &bytes[48..56],
        &[10, 0, 0x63, 0x45, 0, 0, 0, 0x0f],
        "Version field"
    );
    let pairs = av_pairs(&challenge.target_info).unwrap();
    let expected_pairs: Vec<(u16, Vec<u8>)> = vec![
        (2, utf16le("CONTOSO")),
        (1, utf16le("UM01")),
        (4, utf16le("contoso.com")),
        (3, utf16le("um01.contoso.com")),
        (5, utf16le("contoso.com")),
        (7, NOW.to_le_bytes().to_vec()),
    ];
    let pairs: Vec<(u16, Vec<u8>)> = pairs.into_iter().map(|(id, v)| (id, v.to_vec())).collect();
    assert_eq!(pairs, expected_pairs);
    assert_eq!(kept.target_info, challenge.target_info);
    assert_eq!((kept.flags, kept.timestamp), (expected, Some(NOW)));
}

#[test]
fn an_oem_client_gets_an_oem_challenge() {
    let flags = NEGOTIATE_OEM | REQUEST_TARGET | NEGOTIATE_NTLM;
    let negotiate = decode_negotiate(&build_negotiate(flags)).unwrap();
    let (bytes, _) = encode_challenge(&negotiate, &params(ChallengeProfile::Default));
    let challenge = decode_challenge(&bytes).unwrap();
    assert_eq!(
        challenge.flags & (NEGOTIATE_OEM | NEGOTIATE_UNICODE),
        NEGOTIATE_OEM
    );
    assert_eq!(challenge.target_name, "CONTOSO");
    assert_eq!(
        &bytes[56..63],
        b"CONTOSO",
        "OEM target name is one byte a character"
    );
}

#[test]
fn extended_session_security_wins_over_lm_key_and_only_requested_flags_are_echoed() {
    let both = answer_flags_for(
        EXTENDED_SESSIONSECURITY | NEGOTIATE_LM_KEY,
        ChallengeProfile::Default,
    );
    assert_eq!(
        both & (EXTENDED_SESSIONSECURITY | NEGOTIATE_LM_KEY),
        EXTENDED_SESSIONSECURITY
    );
    let lm = answer_flags_for(NEGOTIATE_LM_KEY, ChallengeProfile::Default);
    assert_eq!(
        lm & (EXTENDED_SESSIONSECURITY | NEGOTIATE_LM_KEY),
        NEGOTIATE_LM_KEY
    );
    let bare = answer_flags_for(NEGOTIATE_UNICODE, ChallengeProfile::Default);
    assert_eq!(
        bare,
        NEGOTIATE_UNICODE | NEGOTIATE_NTLM | NEGOTIATE_TARGET_INFO
    );
}

fn answer_flags_for(flags: u32, profile: ChallengeProfile) -> u32 {
    let negotiate = decode_negotiate(&build_negotiate(flags)).unwrap();
    encode_challenge(&negotiate, &params(profile)).1.flags
}

#[test]
fn the_profiles_imitate_older_servers() {
    let negotiate = decode_negotiate(&build_negotiate(WINDOWS_CLIENT_FLAGS)).unwrap();
    let read = |profile| {
        let (bytes, kept) = encode_challenge(&negotiate, &params(profile));
        (decode_challenge(&bytes).unwrap(), kept)
    };
    let (no_ts, kept) = read(ChallengeProfile::NoTimestamp);
    assert!(av_pairs(&no_ts.target_info)
        .unwrap()
        .iter()
        .all(|(id, _)| *id != 7));
    assert_eq!(kept.timestamp, None);
    let (no_info, _) = read(ChallengeProfile::NoTargetInfo);
    assert!(no_info.target_info.is_empty());
    assert_eq!(no_info.flags & NEGOTIATE_TARGET_INFO, 0);
    assert_ne!(no_info.flags & EXTENDED_SESSIONSECURITY, 0);
    let (no_ess, _) = read(ChallengeProfile::NoEss);
    assert!(no_ess.target_info.is_empty());
    assert_eq!(
        no_ess.flags & (NEGOTIATE_TARGET_INFO | EXTENDED_SESSIONSECURITY),
        0
    );
}

#[test]
fn server_names_come_from_the_fqdn() {
    let names = ServerNames::from_fqdn("um01.contoso.com");
    assert_eq!(
        (
            names.nb_computer.as_str(),
            names.nb_domain.as_str(),
            names.dns_domain.as_str()
        ),
        ("UM01", "CONTOSO", "contoso.com")
    );
    let single = ServerNames::from_fqdn("exchange-um-mock-server");
    assert_eq!(
        (single.nb_computer.as_str(), single.nb_domain.as_str()),
        ("EXCHANGE-UM-MOC", "EXCHANGE-UM-MOC")
    );
    assert_eq!(ServerNames::from_fqdn("").dns_computer, "localhost");
}

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

/// MS-NLMP 4.2.4.3: the CHALLENGE of the NTLMv2 example (NbDomainName "Domain",
/// NbComputerName "Server", no timestamp).
fn spec_v2_challenge() -> Vec<u8> {
    hex(
        "4e544c4d53535000 02000000 0c000c0038000000 33828ae2 0123456789abcdef 0000000000000000
         2400240044000000 060070170000000f 530065007200760065007200
         02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000",
    )
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

#[test]
fn negotiate_wraps_each_leg_and_completes_as_iis_does() {
    let type1 = build_negotiate(WINDOWS_CLIENT_FLAGS);
    let init = spnego::build_init(&[NTLM_OID], Some(&type1));
    let Ok(Step::Challenge { reply, pending }) = accept(
        Scheme::Negotiate,
        &init,
        None,
        &params(ChallengeProfile::Default),
    ) else {
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
    }) = accept(
        Scheme::Negotiate,
        &type3,
        Some(&pending),
        &params(ChallengeProfile::Default),
    )
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
    let Ok(Step::Challenge { reply, .. }) = accept(
        Scheme::Negotiate,
        &build_negotiate(WINDOWS_CLIENT_FLAGS),
        None,
        &params(ChallengeProfile::Default),
    ) else {
        panic!()
    };
    assert!(reply.starts_with(b"NTLMSSP\0\x02\0\0\0"));
}

#[test]
fn kerberos_only_is_refused_with_its_own_reason() {
    let [ms_krb5, krb5] = spnego::KERBEROS_OIDS;
    let init = spnego::build_init(&[ms_krb5, krb5], Some(b"\x6e\x00"));
    let reason = accept(
        Scheme::Negotiate,
        &init,
        None,
        &params(ChallengeProfile::Default),
    )
    .unwrap_err();
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
    assert!(accept(
        Scheme::Negotiate,
        &other,
        None,
        &params(ChallengeProfile::Default)
    )
    .unwrap_err()
    .to_string()
    .contains("1.3.6.1.4.1.311.2.2.30"));
}

#[test]
fn ntlm_offered_second_is_selected_before_its_negotiate() {
    let [ms_krb5, _] = spnego::KERBEROS_OIDS;
    let init = spnego::build_init(&[ms_krb5, NTLM_OID], Some(b"\x6e\x00"));
    let Ok(Step::SelectMech { reply }) = accept(
        Scheme::Negotiate,
        &init,
        None,
        &params(ChallengeProfile::Default),
    ) else {
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
    assert!(matches!(
        accept(
            Scheme::Negotiate,
            &next,
            None,
            &params(ChallengeProfile::Default)
        ),
        Ok(Step::Challenge { .. })
    ));
}
