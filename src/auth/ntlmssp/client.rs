//! A minimal NTLM client, so tests (here and the lead's integration tests) can drive the
//! server legs with real messages: NEGOTIATE, then AUTHENTICATE in NTLMv1, NTLM2 session or
//! NTLMv2 form from a decoded CHALLENGE.

use super::crypto::{
    lm_v2_response, nt_proof_str, ntlm2_session_response, ntlm_v1_response, ntowf_v2,
};
use super::flags::{
    EXTENDED_SESSIONSECURITY, NEGOTIATE_128, NEGOTIATE_56, NEGOTIATE_ALWAYS_SIGN,
    NEGOTIATE_KEY_EXCH, NEGOTIATE_NTLM, NEGOTIATE_OEM, NEGOTIATE_SEAL, NEGOTIATE_SIGN,
    NEGOTIATE_UNICODE, NEGOTIATE_VERSION, REQUEST_TARGET,
};
use super::message::ChallengeMessage;
use super::wire::{
    av_pairs, encode_text, push_av, utf16le, Builder, AV_CHANNEL_BINDINGS, AV_EOL, AV_TARGET_NAME,
    AV_TIMESTAMP,
};

/// What a current Windows client puts in its NEGOTIATE.
pub(crate) const WINDOWS_CLIENT_FLAGS: u32 = NEGOTIATE_56
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_128
    | NEGOTIATE_VERSION
    | EXTENDED_SESSIONSECURITY
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_NTLM
    | NEGOTIATE_SEAL
    | NEGOTIATE_SIGN
    | REQUEST_TARGET
    | NEGOTIATE_OEM
    | NEGOTIATE_UNICODE;

/// A client's Version field: Windows 10, build 19041, NTLM revision 15.
const CLIENT_VERSION: [u8; 8] = [10, 0, 0x61, 0x4a, 0, 0, 0, 0x0f];

/// A 40-byte NEGOTIATE with `flags`, empty domain and workstation, and a version.
pub(crate) fn build_negotiate(flags: u32) -> Vec<u8> {
    let mut message = Builder::new(1, 40);
    message.put(12, &flags.to_le_bytes());
    message.payload(16, &[]);
    message.payload(24, &[]);
    if flags & NEGOTIATE_VERSION != 0 {
        message.put(32, &CLIENT_VERSION);
    }
    message.buf
}

/// Who the client says it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credentials<'a> {
    /// User name, sent as is.
    pub(crate) user: &'a str,
    /// Domain, sent as is (empty for a UPN).
    pub(crate) domain: &'a str,
    /// Password, hashed into the responses.
    pub(crate) password: &'a str,
    /// Workstation name.
    pub(crate) workstation: &'a str,
}

/// Which response to compute.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ClientResponse {
    /// NTLMv1; the LM field repeats the NT response, as Windows does without an LM hash.
    NtlmV1,
    /// NTLM2 session response with this client challenge.
    Ntlm2Session {
        /// The client challenge.
        client_challenge: [u8; 8],
    },
    /// NTLMv2 with this client challenge; `timestamp` is used when the CHALLENGE has none.
    NtlmV2 {
        /// The client challenge.
        client_challenge: [u8; 8],
        /// The client's clock, as a FILETIME.
        timestamp: u64,
    },
}

/// What an NTLMv2 client adds to the AV pairs of its blob to bind the response to the
/// connection (Extended Protection); NTLMv1 has no blob, so nothing to add them to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Binding<'a> {
    /// `MsvAvChannelBindings`: the MD5 of the GSS channel bindings (all zero for "none",
    /// as Windows sends without a TLS channel).
    pub(crate) channel: Option<[u8; 16]>,
    /// `MsvAvTargetName`: the SPN the client meant, `HTTP/host`.
    pub(crate) target: Option<&'a str>,
}

/// An AUTHENTICATE answering `challenge`, in its charset, with the flags it offered. When
/// the CHALLENGE negotiated VERSION, the message carries a Version and a (zero) MIC, as
/// modern clients do, so the server reads those optional fields too.
pub(crate) fn build_authenticate(
    challenge: &ChallengeMessage,
    creds: &Credentials<'_>,
    response: ClientResponse,
) -> Vec<u8> {
    build_bound_authenticate(challenge, creds, response, &Binding::default())
}

/// [`build_authenticate`], with `binding`'s AV pairs in an NTLMv2 blob.
pub(crate) fn build_bound_authenticate(
    challenge: &ChallengeMessage,
    creds: &Credentials<'_>,
    response: ClientResponse,
    binding: &Binding<'_>,
) -> Vec<u8> {
    let server = &challenge.server_challenge;
    let (lm, nt) = match response {
        ClientResponse::NtlmV1 => {
            let nt = ntlm_v1_response(creds.password, server).to_vec();
            (nt.clone(), nt)
        }
        ClientResponse::Ntlm2Session { client_challenge } => {
            let mut lm = vec![0u8; 24];
            lm[..8].copy_from_slice(&client_challenge);
            let nt = ntlm2_session_response(creds.password, server, &client_challenge);
            (lm, nt.to_vec())
        }
        ClientResponse::NtlmV2 {
            client_challenge,
            timestamp,
        } => v2_responses(challenge, creds, client_challenge, timestamp, binding),
    };
    let flags = challenge.flags;
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    let with_mic = flags & NEGOTIATE_VERSION != 0;
    let mut message = Builder::new(3, if with_mic { 88 } else { 64 });
    message.put(60, &flags.to_le_bytes());
    if with_mic {
        message.put(64, &CLIENT_VERSION);
    }
    message.payload(28, &encode_text(creds.domain, unicode));
    message.payload(36, &encode_text(creds.user, unicode));
    message.payload(44, &encode_text(creds.workstation, unicode));
    message.payload(12, &lm);
    message.payload(20, &nt);
    // The server does not decrypt it; a fixed key keeps the messages reproducible.
    let session_key: &[u8] = if flags & NEGOTIATE_KEY_EXCH != 0 {
        &[0x5a; 16]
    } else {
        &[]
    };
    message.payload(52, session_key);
    message.buf
}

/// The LMv2 and NTLMv2 responses (MS-NLMP 3.3.2), the blob carrying the CHALLENGE's target
/// info. With a server timestamp the client uses it, and sends a zero LM response.
fn v2_responses(
    challenge: &ChallengeMessage,
    creds: &Credentials<'_>,
    client_challenge: [u8; 8],
    timestamp: u64,
    binding: &Binding<'_>,
) -> (Vec<u8>, Vec<u8>) {
    let server_time = av_pairs(&challenge.target_info)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(id, _)| *id == AV_TIMESTAMP))
        .and_then(|(_, value)| <[u8; 8]>::try_from(value).ok())
        .map(u64::from_le_bytes);
    let key = ntowf_v2(creds.password, creds.user, creds.domain);
    let mut blob = vec![1, 1, 0, 0, 0, 0, 0, 0];
    blob.extend_from_slice(&server_time.unwrap_or(timestamp).to_le_bytes());
    blob.extend_from_slice(&client_challenge);
    blob.extend_from_slice(&[0; 4]);
    // The server's pairs (without their end), the client's bindings, then the end.
    for (id, value) in av_pairs(&challenge.target_info).unwrap_or_default() {
        push_av(&mut blob, id, value);
    }
    if let Some(hash) = binding.channel {
        push_av(&mut blob, AV_CHANNEL_BINDINGS, &hash);
    }
    if let Some(target) = binding.target {
        push_av(&mut blob, AV_TARGET_NAME, &utf16le(target));
    }
    push_av(&mut blob, AV_EOL, &[]);
    blob.extend_from_slice(&[0; 4]);
    let mut nt = nt_proof_str(&key, &challenge.server_challenge, &blob).to_vec();
    nt.extend_from_slice(&blob);
    let lm = if server_time.is_some() {
        vec![0; 24]
    } else {
        lm_v2_response(&key, &challenge.server_challenge, &client_challenge).to_vec()
    };
    (lm, nt)
}

/// An anonymous AUTHENTICATE: no names, a one-zero-byte LM response, no NT response.
pub(crate) fn build_anonymous(challenge: &ChallengeMessage) -> Vec<u8> {
    let mut message = Builder::new(3, 64);
    message.put(60, &challenge.flags.to_le_bytes());
    for at in [28, 36, 44] {
        message.payload(at, &[]);
    }
    message.payload(12, &[0]);
    message.payload(20, &[]);
    message.payload(52, &[]);
    message.buf
}
