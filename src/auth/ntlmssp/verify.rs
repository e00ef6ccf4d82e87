//! Checking an AUTHENTICATE message against the mailbox's password (MS-NLMP 3.3), and
//! checking that it answers the CHALLENGE pending on its connection.

use super::challenge::Challenge;
use super::crypto::{
    lm_v2_response, nt_proof_str, ntlm2_session_response, ntlm_v1_response, ntowf_v2, same,
};
use super::error::{ResponseKind, TokenError, VerifyError};
use super::flags::EXTENDED_SESSIONSECURITY;
use super::message::Authenticate;
use super::wire::{av_pairs, AV_TIMESTAMP};

/// Length of an NTLMv1 (and NTLM2 session) response.
const V1_LEN: usize = 24;
/// NTProofStr (16) plus the fixed part of the NTLMv2 client challenge blob (28).
const V2_MIN_LEN: usize = 16 + 28;

/// Which algorithm the client used, told from the response lengths and the flags negotiated.
pub(crate) fn response_kind(
    auth: &Authenticate,
    pending: &Challenge,
) -> Result<ResponseKind, VerifyError> {
    if auth.is_anonymous() {
        return Err(VerifyError::Anonymous);
    }
    match auth.nt_response.len() {
        0 if auth.lm_response.len() == V1_LEN => Ok(ResponseKind::LmV2),
        0 => Err(VerifyError::Unusable(
            "it carries no NT response and no LMv2 response",
        )),
        V1_LEN => {
            // ESS counts when the server offered it and the client kept it in its answer.
            if pending.flags & auth.flags & EXTENDED_SESSIONSECURITY != 0 {
                Ok(ResponseKind::Ntlm2Session)
            } else {
                Ok(ResponseKind::NtlmV1)
            }
        }
        n if n < V2_MIN_LEN => Err(VerifyError::Unusable(
            "the NT response is neither 24 bytes (NTLMv1) nor long enough for NTLMv2",
        )),
        _ => Ok(ResponseKind::NtlmV2),
    }
}

/// Verifies the responses of `auth` against `password` for the CHALLENGE in `pending`, and
/// says which algorithm the client used. An anonymous message is refused whatever the
/// password.
pub(crate) fn verify(
    auth: &Authenticate,
    pending: &Challenge,
    password: &str,
) -> Result<ResponseKind, VerifyError> {
    let kind = response_kind(auth, pending)?;
    let server = &pending.server_challenge;
    let matches = match kind {
        ResponseKind::NtlmV1 => same(&ntlm_v1_response(password, server), &auth.nt_response),
        ResponseKind::Ntlm2Session => {
            // The LM field carries the client challenge, then 16 zero bytes.
            let client: [u8; 8] = auth
                .lm_response
                .get(..8)
                .and_then(|c| c.try_into().ok())
                .filter(|_| auth.lm_response.len() == V1_LEN)
                .ok_or(VerifyError::Unusable(
                    "an NTLM2 session response needs the 24-byte LM field carrying the client challenge",
                ))?;
            same(
                &ntlm2_session_response(password, server, &client),
                &auth.nt_response,
            )
        }
        ResponseKind::NtlmV2 => {
            let key = ntowf_v2(password, &auth.user, &auth.domain);
            let (proof, blob) = auth.nt_response.split_at(16);
            same(&nt_proof_str(&key, server, blob), proof)
        }
        ResponseKind::LmV2 => {
            let key = ntowf_v2(password, &auth.user, &auth.domain);
            let client: [u8; 8] = auth
                .lm_response
                .get(16..V1_LEN)
                .and_then(|c| c.try_into().ok())
                .ok_or(VerifyError::Unusable("the LMv2 response is not 24 bytes"))?;
            same(&lm_v2_response(&key, server, &client), &auth.lm_response)
        }
    };
    if matches {
        Ok(kind)
    } else {
        Err(VerifyError::Mismatch(kind))
    }
}

/// Checks, without the password, that an NTLMv2 `auth` was computed for `pending`: the
/// client copies the server's MsvAvTimestamp into its blob (MS-NLMP 3.1.5.1.2), so a
/// different one means another CHALLENGE. NTLMv1 responses carry nothing to compare.
pub(crate) fn check_answers(auth: &Authenticate, pending: &Challenge) -> Result<(), TokenError> {
    let Some(sent) = pending.timestamp else {
        return Ok(());
    };
    if auth.nt_response.len() < V2_MIN_LEN {
        return Ok(());
    }
    // Blob: RespType, HiRespType, 6 reserved, TimeStamp (8), client challenge (8), 4 reserved,
    // then AV pairs.
    let blob = &auth.nt_response[16..];
    let pairs = av_pairs(&blob[28..])?;
    let echoed = pairs
        .iter()
        .find(|(id, _)| *id == AV_TIMESTAMP)
        .and_then(|(_, value)| <[u8; 8]>::try_from(*value).ok())
        .map(u64::from_le_bytes);
    match echoed {
        Some(echoed) if echoed != sent => Err(TokenError::OtherChallenge),
        _ => Ok(()),
    }
}
