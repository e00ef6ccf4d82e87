//! Why a token was refused: one enum for malformed bytes and out-of-sequence messages, one for
//! credentials that do not check out. Both display as a sentence fit for `X-Exum-Reason`.

use std::fmt;

/// What is wrong with an `Authorization` token (base64, NTLM framing, SPNEGO DER) or with its
/// place in the exchange. Never carries the secret parts of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// The header carried a scheme but no token bytes.
    Empty,
    /// The token is larger than [`super::MAX_TOKEN_LEN`].
    TooLarge {
        /// Its size in bytes (or a lower bound, for base64 text).
        len: usize,
    },
    /// The token text is not base64.
    Base64,
    /// The first eight bytes are not `NTLMSSP\0`.
    BadSignature,
    /// The message ends before a fixed part it must have.
    Truncated {
        /// Which part, e.g. "the AUTHENTICATE header".
        what: &'static str,
        /// Bytes that part needs.
        need: usize,
        /// Bytes the message has.
        have: usize,
    },
    /// A (length, offset) payload field reaches past the end of the message.
    FieldOutside {
        /// The field's name, e.g. "user name".
        field: &'static str,
        /// Its offset.
        offset: u32,
        /// Its length.
        len: u16,
        /// The message length.
        message_len: usize,
    },
    /// The MessageType is not 1, 2 or 3.
    UnknownType(u32),
    /// A well-formed message of a type the server does not expect here.
    UnexpectedType {
        /// The type received.
        got: u32,
        /// What was expected, e.g. "a NEGOTIATE or AUTHENTICATE message".
        expected: &'static str,
    },
    /// A text field cannot be decoded in the charset the message declared.
    BadString {
        /// The field's name.
        field: &'static str,
        /// Why, e.g. "odd length for UTF-16".
        problem: &'static str,
    },
    /// The NTLMv2 client challenge blob or a list of AV pairs is malformed.
    BadAvPairs(&'static str),
    /// The SPNEGO / GSS-API DER is malformed.
    Der {
        /// Which structure was being read.
        context: &'static str,
        /// What was wrong.
        problem: &'static str,
    },
    /// The mechanism list offers Kerberos but not NTLM.
    KerberosOnly {
        /// The offered mechanism OIDs, dotted.
        offered: Vec<String>,
    },
    /// The mechanism list offers neither NTLM nor Kerberos.
    NoSupportedMech {
        /// The offered mechanism OIDs, dotted.
        offered: Vec<String>,
    },
    /// A NegTokenResp that the client sent with negState reject.
    ClientRejected,
    /// A SPNEGO token for NTLM whose inner token is missing or not an NTLM message.
    NoNtlmToken(&'static str),
    /// An AUTHENTICATE message on a connection with no CHALLENGE outstanding.
    NoChallengePending,
    /// An AUTHENTICATE message computed for a CHALLENGE other than the one pending.
    OtherChallenge,
    /// An anonymous AUTHENTICATE message (no user, no responses).
    Anonymous,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => f.write_str("the authorization token is empty"),
            TokenError::TooLarge { len } => write!(
                f,
                "the authorization token is too large ({len} bytes; at most {} accepted)",
                super::MAX_TOKEN_LEN
            ),
            TokenError::Base64 => f.write_str("the authorization token is not valid base64"),
            TokenError::BadSignature => f.write_str("not an NTLM message (bad signature)"),
            TokenError::Truncated { what, need, have } => write!(
                f,
                "NTLM message truncated: {what} needs {need} bytes, the message has {have}"
            ),
            TokenError::FieldOutside {
                field,
                offset,
                len,
                message_len,
            } => write!(
                f,
                "offset of the {field} field points outside the message \
                 (offset {offset} + length {len} > {message_len} bytes)"
            ),
            TokenError::UnknownType(t) => write!(f, "unknown NTLM message type {t}"),
            TokenError::UnexpectedType { got, expected } => write!(
                f,
                "expected {expected}, got an NTLM {} message (type {got})",
                type_name(*got)
            ),
            TokenError::BadString { field, problem } => {
                write!(
                    f,
                    "the {field} field of the NTLM message is unreadable: {problem}"
                )
            }
            TokenError::BadAvPairs(problem) => write!(f, "malformed NTLM AV pairs: {problem}"),
            TokenError::Der { context, problem } => {
                write!(f, "malformed SPNEGO token: {problem} in {context}")
            }
            TokenError::KerberosOnly { offered } => write!(
                f,
                "the Negotiate token offers only Kerberos ({}); Kerberos is not supported, \
                 only NTLM inside Negotiate",
                offered.join(", ")
            ),
            TokenError::NoSupportedMech { offered } => write!(
                f,
                "the Negotiate token offers no supported mechanism ({}); only NTLM \
                 (1.3.6.1.4.1.311.2.2.10) inside Negotiate is supported",
                if offered.is_empty() {
                    "an empty list".to_owned()
                } else {
                    offered.join(", ")
                }
            ),
            TokenError::ClientRejected => {
                f.write_str("the client ended the Negotiate exchange (negState reject)")
            }
            TokenError::NoNtlmToken(why) => {
                write!(f, "no NTLM message in the Negotiate token: {why}")
            }
            TokenError::NoChallengePending => f.write_str(
                "an NTLM AUTHENTICATE message arrived with no CHALLENGE pending on this connection",
            ),
            TokenError::OtherChallenge => f.write_str(
                "the NTLM AUTHENTICATE message answers another CHALLENGE than the one sent on \
                 this connection (its NTLMv2 timestamp differs)",
            ),
            TokenError::Anonymous => f.write_str("anonymous NTLM authentication is refused"),
        }
    }
}

impl std::error::Error for TokenError {}

/// The name of an NTLM message type, for messages.
pub(super) fn type_name(t: u32) -> &'static str {
    match t {
        1 => "NEGOTIATE",
        2 => "CHALLENGE",
        3 => "AUTHENTICATE",
        _ => "unknown",
    }
}

/// Which response algorithm a verified (or refused) AUTHENTICATE message used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    /// NTLMv1: DESL(NTOWFv1, server challenge).
    NtlmV1,
    /// NTLMv1 with extended session security, the "NTLM2 session response".
    Ntlm2Session,
    /// NTLMv2: HMAC-MD5 proof over the server challenge and the client's blob.
    NtlmV2,
    /// LMv2 alone (an empty NT response), as a few old clients send.
    LmV2,
}

impl ResponseKind {
    /// The name used in reasons and journals.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ResponseKind::NtlmV1 => "NTLMv1",
            ResponseKind::Ntlm2Session => {
                "NTLMv1 with extended session security (NTLM2 session response)"
            }
            ResponseKind::NtlmV2 => "NTLMv2",
            ResponseKind::LmV2 => "LMv2",
        }
    }
}

/// Why an AUTHENTICATE message does not prove the mailbox's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerifyError {
    /// An anonymous AUTHENTICATE (no user, no responses).
    Anonymous,
    /// The response was computed from another password (or another user or domain, for v2).
    Mismatch(ResponseKind),
    /// The responses cannot be checked at all, e.g. an NTLMv2 response too short for its blob.
    Unusable(&'static str),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Anonymous => f.write_str("anonymous NTLM authentication is refused"),
            VerifyError::Mismatch(kind) => write!(
                f,
                "the {} response does not match the mailbox's password",
                kind.name()
            ),
            VerifyError::Unusable(why) => write!(f, "the NTLM response cannot be checked: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}
