//! Server side of NTLM (MS-NLMP, over HTTP as MS-NTHT) and of SPNEGO (RFC 4178, as HTTP
//! `Negotiate` per RFC 4559) carrying NTLM: pure functions over bytes, no I/O, no state, and
//! no panics on any input. This module depends on std and the crypto crates only.
//!
//! # Call sequence, per `Authorization` header
//!
//! The connection task owns the state: at most one pending [`Challenge`].
//!
//! 1. Split the header into scheme and token text; [`decode_base64`] the text.
//! 2. Call [`accept`] with the scheme, the bytes, the pending challenge (if any) and fresh
//!    [`ChallengeParams`] (8 random bytes, now as a [`filetime`], the FQDN, the profile).
//!    On `Err(reason)`: 401, `X-Exum-Reason: reason`, state unchanged.
//! 3. [`Step::Challenge`]: answer 401 with `WWW-Authenticate: <scheme> base64(reply)` and
//!    keep `pending` for the connection (replacing any older one: a new type 1 starts over).
//! 4. [`Step::SelectMech`]: (Negotiate only, the client's first choice was not NTLM) answer
//!    401 with `WWW-Authenticate: Negotiate base64(reply)`; nothing becomes pending.
//! 5. [`Step::Authenticate`]: drop the pending challenge (it answers once), find the mailbox
//!    from `message.user` / `message.domain`; if it has a password, [`verify()`] it against
//!    the challenge that was pending. On success the connection is that user, and the 200
//!    carries `WWW-Authenticate: Negotiate base64(final_reply)` when `final_reply` is set.
//!
//! Both wrappings are handled by the same call: under `NTLM` the token is a bare NTLM
//! message; under `Negotiate` it is a NegTokenInit (first leg), a NegTokenResp (later legs),
//! or a bare NTLM message, which is answered bare as IIS does.
//!
//! # Not done
//!
//! The MIC and the SPNEGO mechListMIC are read but not verified, and the server sends no
//! mechListMIC: both need the exported session key (key exchange, RC4), which identity
//! checking does not. Kerberos is refused with a reason. OEM strings are read as Latin-1.

pub(crate) mod bindings;
mod challenge;
/// A client side of NTLM, for the unit tests.
#[cfg(test)]
pub(crate) mod client;
mod crypto;
pub(crate) mod der;
mod error;
mod flags;
mod message;
pub(crate) mod spnego;
mod verify;
mod wire;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

pub(crate) use challenge::{
    encode_challenge, filetime, Challenge, ChallengeParams, ChallengeProfile, ServerNames,
};
pub(crate) use error::TokenError;
pub(crate) use message::{decode_message, Authenticate, NtlmMessage};
// The rest of the codec's vocabulary, used by its tests.
#[cfg(test)]
pub(crate) use error::{ResponseKind, VerifyError};
#[cfg(test)]
pub(crate) use message::{
    decode_authenticate, decode_challenge, decode_negotiate, ChallengeMessage, Negotiate,
};
pub(crate) use verify::{check_answers, response_kind, verify};

/// The largest token accepted, decoded. Real NTLM and SPNEGO tokens are well under 4 KiB;
/// 64 KiB leaves room and bounds what a client can make the server decode.
pub(crate) const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Standard alphabet; padding optional, since some clients drop it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes the token text of an `Authorization: NTLM …` or `Negotiate …` header, refusing it
/// before decoding when it would exceed [`MAX_TOKEN_LEN`].
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, TokenError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TokenError::Empty);
    }
    if text.len() / 4 * 3 > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge {
            len: text.len() / 4 * 3,
        });
    }
    BASE64.decode(text).map_err(|_| TokenError::Base64)
}

/// Base64 text of a reply token, for `WWW-Authenticate`.
pub(crate) fn encode_base64(token: &[u8]) -> String {
    BASE64.encode(token)
}

/// The HTTP authentication scheme a token came under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `NTLM`: bare NTLM messages.
    Ntlm,
    /// `Negotiate`: SPNEGO, or bare NTLM as some clients send.
    Negotiate,
}

/// What to do with one `Authorization` token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A NEGOTIATE was answered: send `reply` in a 401 and keep `pending`.
    Challenge {
        /// The CHALLENGE, wrapped in a NegTokenResp when the client used SPNEGO.
        reply: Vec<u8>,
        /// What the AUTHENTICATE leg is checked against.
        pending: Challenge,
    },
    /// A NegTokenInit whose first choice was not NTLM: send `reply` (NTLM selected) in a 401.
    SelectMech {
        /// The NegTokenResp selecting NTLM.
        reply: Vec<u8>,
    },
    /// An AUTHENTICATE answering the pending challenge (not yet checked against a password).
    Authenticate {
        /// The decoded message: who the client says it is, and its responses.
        message: Authenticate,
        /// For SPNEGO, the NegTokenResp accept-completed to send with the 200.
        final_reply: Option<Vec<u8>>,
    },
}

/// Handles one decoded `Authorization` token: see the call sequence above.
pub(crate) fn accept(
    scheme: Scheme,
    token: &[u8],
    pending: Option<&Challenge>,
    params: &ChallengeParams<'_>,
) -> Result<Step, TokenError> {
    let (ntlm, wrapped) = match scheme {
        Scheme::Ntlm => (token, false),
        Scheme::Negotiate => match spnego::parse(token)? {
            spnego::NegotiateToken::RawNtlm(raw) => (raw, false),
            spnego::NegotiateToken::Init(init) => match spnego::ntlm_from_init(&init)? {
                spnego::InitNtlm::Token(inner) => (inner, true),
                spnego::InitNtlm::SelectNtlm => {
                    return Ok(Step::SelectMech {
                        reply: spnego::select_ntlm(),
                    })
                }
            },
            spnego::NegotiateToken::Resp(resp) => (spnego::ntlm_from_resp(&resp)?, true),
        },
    };
    match decode_message(ntlm)? {
        NtlmMessage::Negotiate(negotiate) => {
            let (challenge, pending) = encode_challenge(&negotiate, params);
            let reply = if wrapped {
                spnego::challenge_response(&challenge)
            } else {
                challenge
            };
            Ok(Step::Challenge { reply, pending })
        }
        NtlmMessage::Challenge(_) => Err(TokenError::UnexpectedType {
            got: 2,
            expected: "an NTLM NEGOTIATE or AUTHENTICATE message",
        }),
        NtlmMessage::Authenticate(message) => {
            let pending = pending.ok_or(TokenError::NoChallengePending)?;
            if message.is_anonymous() {
                return Err(TokenError::Anonymous);
            }
            check_answers(&message, pending)?;
            Ok(Step::Authenticate {
                message,
                final_reply: wrapped.then(spnego::accept_completed),
            })
        }
    }
}

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_util {
    /// Bytes from hex text; whitespace is ignored.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
