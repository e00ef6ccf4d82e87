//! The CHALLENGE as a Windows server writes it: flags, names, AV pairs, profiles.

use super::super::client::{build_negotiate, WINDOWS_CLIENT_FLAGS};
use super::super::flags::*;
use super::super::wire::{av_pairs, utf16le};
use super::super::*;
use super::*;

#[test]
fn the_challenge_echoes_a_windows_client_and_names_the_server() {
    let negotiate: Negotiate = decode_negotiate(&build_negotiate(WINDOWS_CLIENT_FLAGS)).unwrap();
    let (bytes, kept) = encode_challenge(&negotiate, &params(ChallengeProfile::Default));
    let challenge: ChallengeMessage = decode_challenge(&bytes).unwrap();
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
fn timestamps_are_filetimes() {
    use std::time::{Duration, UNIX_EPOCH};
    assert_eq!(filetime(UNIX_EPOCH), 116_444_736_000_000_000);
    assert_eq!(
        filetime(UNIX_EPOCH + Duration::from_secs(1_704_067_200)),
        NOW
    );
    assert_eq!(
        filetime(UNIX_EPOCH - Duration::from_secs(1)),
        116_444_736_000_000_000
    );
}
