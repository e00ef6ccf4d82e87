//! Decoding the three NTLM messages (MS-NLMP 2.2.1). Every length and offset is checked
//! against the message; nothing here panics or allocates more than the message's size.

use super::error::TokenError;
use super::flags::{
    NEGOTIATE_UNICODE, NEGOTIATE_VERSION, OEM_DOMAIN_SUPPLIED, OEM_WORKSTATION_SUPPLIED,
};
use super::wire::{array_at, decode_text, header, u32_at, Field};
use super::MAX_TOKEN_LEN;

/// A decoded NEGOTIATE message (type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Negotiate {
    /// NegotiateFlags.
    pub(crate) flags: u32,
    /// The client's domain, when it set NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED.
    pub(crate) domain: Option<String>,
    /// The client's workstation, when it set NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED.
    pub(crate) workstation: Option<String>,
    /// The Version field, when NTLMSSP_NEGOTIATE_VERSION is set and the message holds it.
    pub(crate) version: Option<[u8; 8]>,
}

/// A decoded CHALLENGE message (type 2); the server writes these, the test client reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChallengeMessage {
    /// NegotiateFlags.
    pub(crate) flags: u32,
    /// The target name, in the message's charset.
    pub(crate) target_name: String,
    /// The 8-byte server challenge.
    pub(crate) server_challenge: [u8; 8],
    /// The raw target info (AV pairs), empty when absent.
    pub(crate) target_info: Vec<u8>,
}

/// A decoded AUTHENTICATE message (type 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticate {
    /// NegotiateFlags.
    pub(crate) flags: u32,
    /// LmChallengeResponse.
    pub(crate) lm_response: Vec<u8>,
    /// NtChallengeResponse.
    pub(crate) nt_response: Vec<u8>,
    /// The user's domain, exactly as sent (NTLMv2 hashes it as is).
    pub(crate) domain: String,
    /// The user name, exactly as sent.
    pub(crate) user: String,
    /// The client's workstation name.
    pub(crate) workstation: String,
    /// EncryptedRandomSessionKey (empty without key exchange).
    pub(crate) encrypted_session_key: Vec<u8>,
    /// The Version field, when present.
    pub(crate) version: Option<[u8; 8]>,
    /// The MIC, when present (not verified: that needs the session key, see mod.rs).
    pub(crate) mic: Option<[u8; 16]>,
}

impl Authenticate {
    /// The identity as the client named itself: `DOMAIN\user`, or `user` when no domain was
    /// sent (as with a UPN `user@domain`).
    pub(crate) fn identity(&self) -> String {
        if self.domain.is_empty() {
            self.user.clone()
        } else {
            format!("{}\\{}", self.domain, self.user)
        }
    }

    /// An anonymous AUTHENTICATE (MS-NLMP 3.2.5.1.2): no user, an empty NT response, and an
    /// LM response that is empty or one zero byte.
    pub(crate) fn is_anonymous(&self) -> bool {
        self.user.is_empty()
            && self.nt_response.is_empty()
            && (self.lm_response.is_empty() || self.lm_response == [0])
    }
}

/// Any of the three messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NtlmMessage {
    /// Type 1.
    Negotiate(Negotiate),
    /// Type 2.
    Challenge(ChallengeMessage),
    /// Type 3.
    Authenticate(Authenticate),
}

/// Decodes any NTLM message, after the size bound, the signature and the type.
pub(crate) fn decode_message(msg: &[u8]) -> Result<NtlmMessage, TokenError> {
    if msg.is_empty() {
        return Err(TokenError::Empty);
    }
    if msg.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge { len: msg.len() });
    }
    match header(msg, "the message header", 12)? {
        1 => decode_negotiate(msg).map(NtlmMessage::Negotiate),
        2 => decode_challenge(msg).map(NtlmMessage::Challenge),
        _ => decode_authenticate(msg).map(NtlmMessage::Authenticate),
    }
}

/// Refuses a message of another type than `want`.
fn expect_type(msg: &[u8], want: u32, what: &'static str, need: usize) -> Result<(), TokenError> {
    if msg.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge { len: msg.len() });
    }
    let got = header(msg, what, 12)?;
    if got != want {
        return Err(TokenError::UnexpectedType {
            got,
            expected: match want {
                1 => "an NTLM NEGOTIATE message",
                2 => "an NTLM CHALLENGE message",
                _ => "an NTLM AUTHENTICATE message",
            },
        });
    }
    if msg.len() < need {
        return Err(TokenError::Truncated {
            what,
            need,
            have: msg.len(),
        });
    }
    Ok(())
}

/// Decodes a NEGOTIATE message. Only the flags are required (16 bytes, as the oldest clients
/// send); the domain and workstation fields are read only when their flags say so.
pub(crate) fn decode_negotiate(msg: &[u8]) -> Result<Negotiate, TokenError> {
    expect_type(msg, 1, "the NEGOTIATE header", 16)?;
    let flags = u32_at(msg, 12).unwrap_or(0);
    let optional =
        |flag: u32, at: usize, name: &'static str| -> Result<Option<String>, TokenError> {
            if flags & flag == 0 {
                return Ok(None);
            }
            if msg.len() < at + 8 {
                return Err(TokenError::Truncated {
                    what: "the NEGOTIATE domain and workstation fields",
                    need: at + 8,
                    have: msg.len(),
                });
            }
            // These two are always OEM, whatever the charset flags say (MS-NLMP 2.2.1.1).
            let bytes = Field::at(msg, at).slice(msg, name)?;
            decode_text(bytes, false, name).map(Some)
        };
    let domain = optional(OEM_DOMAIN_SUPPLIED, 16, "domain name")?;
    let workstation = optional(OEM_WORKSTATION_SUPPLIED, 24, "workstation name")?;
    let version = if flags & NEGOTIATE_VERSION != 0 {
        array_at::<8>(msg, 32)
    } else {
        None
    };
    Ok(Negotiate {
        flags,
        domain,
        workstation,
        version,
    })
}

/// Decodes a CHALLENGE message (32-byte minimum of old servers; target info when present).
pub(crate) fn decode_challenge(msg: &[u8]) -> Result<ChallengeMessage, TokenError> {
    expect_type(msg, 2, "the CHALLENGE header", 32)?;
    let flags = u32_at(msg, 20).unwrap_or(0);
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    let target_name = decode_text(
        Field::at(msg, 12).slice(msg, "target name")?,
        unicode,
        "target name",
    )?;
    let target_info = if msg.len() >= 48 {
        Field::at(msg, 40).slice(msg, "target info")?.to_vec()
    } else {
        Vec::new()
    };
    Ok(ChallengeMessage {
        flags,
        target_name,
        server_challenge: array_at::<8>(msg, 24).unwrap_or_default(),
        target_info,
    })
}

/// Decodes an AUTHENTICATE message. Strings are read in the charset the message's own
/// NEGOTIATE_UNICODE flag names. Version and MIC are optional fields of the fixed header that
/// the wire does not announce: they are taken as present when the payloads start late enough
/// to leave room for them (64..72 and 72..88), the Version only with NEGOTIATE_VERSION set.
pub(crate) fn decode_authenticate(msg: &[u8]) -> Result<Authenticate, TokenError> {
    expect_type(msg, 3, "the AUTHENTICATE header", 64)?;
    let flags = u32_at(msg, 60).unwrap_or(0);
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    let fields = [
        (Field::at(msg, 12), "LM response"),
        (Field::at(msg, 20), "NT response"),
        (Field::at(msg, 28), "domain name"),
        (Field::at(msg, 36), "user name"),
        (Field::at(msg, 44), "workstation name"),
        (Field::at(msg, 52), "encrypted session key"),
    ];
    let mut slices: [&[u8]; 6] = [&[]; 6];
    for (slot, (field, name)) in slices.iter_mut().zip(fields) {
        *slot = field.slice(msg, name)?;
    }
    let payload_start = fields
        .iter()
        .filter(|(field, _)| field.len > 0)
        .map(|(field, _)| field.offset as usize)
        .min()
        .unwrap_or(msg.len());
    let version = if payload_start >= 72 && flags & NEGOTIATE_VERSION != 0 {
        array_at::<8>(msg, 64)
    } else {
        None
    };
    let mic = if payload_start >= 88 {
        array_at::<16>(msg, 72)
    } else {
        None
    };
    Ok(Authenticate {
        flags,
        lm_response: slices[0].to_vec(),
        nt_response: slices[1].to_vec(),
        domain: decode_text(slices[2], unicode, "domain name")?,
        user: decode_text(slices[3], unicode, "user name")?,
        workstation: decode_text(slices[4], unicode, "workstation name")?,
        encrypted_session_key: slices[5].to_vec(),
        version,
        mic,
    })
}
