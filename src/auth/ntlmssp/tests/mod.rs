//! The legs end to end, as the lead will drive them: the client helper's messages through
//! [`accept`](super::accept) and [`verify`](super::verify), the CHALLENGE as a Windows server
//! writes it, and the reasons. Shared fixtures live here.

mod challenge;
mod legs;
mod negotiate;

use super::client::{build_authenticate, build_negotiate, ClientResponse, Credentials};
use super::test_util::hex;
use super::*;

pub(super) const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
/// 2024-01-01T00:00:00Z as a FILETIME.
pub(super) const NOW: u64 = 133_485_408_000_000_000;

pub(super) fn params(profile: ChallengeProfile) -> ChallengeParams<'static> {
    ChallengeParams {
        fqdn: "um01.contoso.com",
        profile,
        server_challenge: SERVER_CHALLENGE,
        timestamp: NOW,
    }
}

pub(super) fn alice() -> Credentials<'static> {
    Credentials {
        user: "alice",
        domain: "CONTOSO",
        password: "P@ssw0rd!",
        workstation: "WS01",
    }
}

pub(super) const V2: ClientResponse = ClientResponse::NtlmV2 {
    client_challenge: [0xaa; 8],
    timestamp: NOW,
};
pub(super) const ESS: ClientResponse = ClientResponse::Ntlm2Session {
    client_challenge: [0xaa; 8],
};

/// Runs type 1 then type 3 over raw NTLM; returns the decoded AUTHENTICATE and the pending.
pub(super) fn handshake(
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

/// MS-NLMP 4.2.4.3: the CHALLENGE of the NTLMv2 example (NbDomainName "Domain",
/// NbComputerName "Server", no timestamp).
pub(super) fn spec_v2_challenge() -> Vec<u8> {
    hex(
        "4e544c4d53535000 02000000 0c000c0038000000 33828ae2 0123456789abcdef 0000000000000000
         2400240044000000 060070170000000f 530065007200760065007200
         02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000",
    )
}
