//! Bounds-checked little-endian reading and writing shared by the NTLM messages: the 8-byte
//! payload field descriptors, the two charsets, and AV pair lists (MS-NLMP 2.2.2.1).

use super::error::TokenError;

/// `NTLMSSP\0`, the first eight bytes of every NTLM message.
pub(crate) const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// MsvAvEOL: ends an AV pair list.
pub(crate) const AV_EOL: u16 = 0;
/// MsvAvNbComputerName.
pub(crate) const AV_NB_COMPUTER: u16 = 1;
/// MsvAvNbDomainName.
pub(crate) const AV_NB_DOMAIN: u16 = 2;
/// MsvAvDnsComputerName.
pub(crate) const AV_DNS_COMPUTER: u16 = 3;
/// MsvAvDnsDomainName.
pub(crate) const AV_DNS_DOMAIN: u16 = 4;
/// MsvAvDnsTreeName.
pub(crate) const AV_DNS_TREE: u16 = 5;
/// MsvAvTimestamp: a FILETIME.
pub(crate) const AV_TIMESTAMP: u16 = 7;
/// MsvAvTargetName: the SPN the client meant (`HTTP/host`), in the AUTHENTICATE's blob.
pub(crate) const AV_TARGET_NAME: u16 = 9;
/// MsvAvChannelBindings: the MD5 of the GSS channel bindings, in the AUTHENTICATE's blob.
pub(crate) const AV_CHANNEL_BINDINGS: u16 = 10;

/// The u16 at `at`, if the buffer holds it.
pub(crate) fn u16_at(buf: &[u8], at: usize) -> Option<u16> {
    let bytes = buf.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

/// The u32 at `at`, if the buffer holds it.
pub(crate) fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    let bytes = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// The `N` bytes at `at`, if the buffer holds them.
pub(crate) fn array_at<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    buf.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// Checks the signature and a minimum length, and returns the message type.
pub(crate) fn header(msg: &[u8], what: &'static str, need: usize) -> Result<u32, TokenError> {
    if msg.len() < SIGNATURE.len() || &msg[..SIGNATURE.len()] != SIGNATURE {
        // A short prefix of the signature is still "truncated", not "not NTLM".
        if msg.len() < SIGNATURE.len() && SIGNATURE.starts_with(msg) {
            return Err(TokenError::Truncated {
                what: "the NTLM signature",
                need: SIGNATURE.len(),
                have: msg.len(),
            });
        }
        return Err(TokenError::BadSignature);
    }
    let kind = u32_at(msg, 8).ok_or(TokenError::Truncated {
        what: "the message type",
        need: 12,
        have: msg.len(),
    })?;
    if !(1..=3).contains(&kind) {
        return Err(TokenError::UnknownType(kind));
    }
    if msg.len() < need {
        return Err(TokenError::Truncated {
            what,
            need,
            have: msg.len(),
        });
    }
    Ok(kind)
}

/// A payload field descriptor: Len (u16), MaxLen (u16, ignored on receipt as MS-NLMP 2.2.2
/// says it MUST be), BufferOffset (u32).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// Len.
    pub(crate) len: u16,
    /// BufferOffset.
    pub(crate) offset: u32,
}

impl Field {
    /// Reads the descriptor at `at`; the caller has checked the fixed header is present.
    pub(crate) fn at(msg: &[u8], at: usize) -> Field {
        Field {
            len: u16_at(msg, at).unwrap_or(0),
            offset: u32_at(msg, at + 4).unwrap_or(0),
        }
    }

    /// The bytes the field points at, refusing any that reach past the message. An empty
    /// field is empty wherever its offset points, as Windows reads it.
    pub(crate) fn slice<'m>(
        self,
        msg: &'m [u8],
        name: &'static str,
    ) -> Result<&'m [u8], TokenError> {
        if self.len == 0 {
            return Ok(&[]);
        }
        let start = self.offset as usize;
        start
            .checked_add(usize::from(self.len))
            .and_then(|end| msg.get(start..end))
            .ok_or(TokenError::FieldOutside {
                field: name,
                offset: self.offset,
                len: self.len,
                message_len: msg.len(),
            })
    }
}

/// Decodes a text field in the message's charset. OEM text is read as Latin-1: lossless for
/// the ASCII names clients send, and the code page is not on the wire anyway.
pub(crate) fn decode_text(
    bytes: &[u8],
    unicode: bool,
    field: &'static str,
) -> Result<String, TokenError> {
    if !unicode {
        return Ok(bytes.iter().map(|&b| char::from(b)).collect());
    }
    if bytes.len() % 2 != 0 {
        return Err(TokenError::BadString {
            field,
            problem: "odd length for UTF-16",
        });
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).map_err(|_| TokenError::BadString {
        field,
        problem: "invalid UTF-16 (unpaired surrogate)",
    })
}

/// UTF-16LE bytes of `s`.
pub(crate) fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Encodes text in the charset of the exchange; OEM gets ASCII, anything else becomes `?`
/// as a Windows OEM conversion of an unmappable character does.
pub(crate) fn encode_text(s: &str, unicode: bool) -> Vec<u8> {
    if unicode {
        utf16le(s)
    } else {
        s.chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
            .collect()
    }
}

/// Reads an AV pair list up to MsvAvEOL: (id, value) pairs, every length checked.
pub(crate) fn av_pairs(mut list: &[u8]) -> Result<Vec<(u16, &[u8])>, TokenError> {
    let mut pairs = Vec::new();
    loop {
        let (Some(id), Some(len)) = (u16_at(list, 0), u16_at(list, 2)) else {
            return Err(TokenError::BadAvPairs("the list ends before MsvAvEOL"));
        };
        if id == AV_EOL {
            return Ok(pairs);
        }
        let value = list
            .get(4..4 + usize::from(len))
            .ok_or(TokenError::BadAvPairs(
                "a value runs past the end of the list",
            ))?;
        pairs.push((id, value));
        list = &list[4 + usize::from(len)..];
    }
}

/// Appends one AV pair. Values are at most a few hundred bytes (names and a FILETIME), so
/// the u16 length cannot overflow for the pairs this module writes.
pub(crate) fn push_av(out: &mut Vec<u8>, id: u16, value: &[u8]) {
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&value[..usize::from(len)]);
}

/// Builds messages as a fixed header followed by payloads, filling in field descriptors.
pub(crate) struct Builder {
    /// The message so far.
    pub(crate) buf: Vec<u8>,
}

impl Builder {
    /// A message of type `kind` with a zeroed fixed header of `header_len` bytes.
    pub(crate) fn new(kind: u32, header_len: usize) -> Builder {
        let mut buf = vec![0; header_len];
        buf[..8].copy_from_slice(SIGNATURE);
        buf[8..12].copy_from_slice(&kind.to_le_bytes());
        Builder { buf }
    }

    /// Writes `bytes` at fixed offset `at` of the header.
    pub(crate) fn put(&mut self, at: usize, bytes: &[u8]) {
        self.buf[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Appends `payload` and points the descriptor at `at` to it. Payloads here are names and
    /// responses well under 64 KiB, so the u16 length holds them (longer ones are cut).
    pub(crate) fn payload(&mut self, at: usize, payload: &[u8]) {
        let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
        let offset = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        self.put(at, &len.to_le_bytes());
        self.put(at + 2, &len.to_le_bytes());
        self.put(at + 4, &offset.to_le_bytes());
        self.buf.extend_from_slice(&payload[..usize::from(len)]);
    }
}
