//! The small part of DER that SPNEGO needs: definite-length TLVs with one-byte tags, read
//! flat (no recursion: each caller descends a fixed, known structure) and written back.

use super::error::TokenError;

/// UNIVERSAL OBJECT IDENTIFIER.
pub(crate) const OID: u8 = 0x06;
/// UNIVERSAL OCTET STRING.
pub(crate) const OCTET_STRING: u8 = 0x04;
/// UNIVERSAL ENUMERATED.
pub(crate) const ENUMERATED: u8 = 0x0a;
/// UNIVERSAL BIT STRING.
pub(crate) const BIT_STRING: u8 = 0x03;
/// UNIVERSAL SEQUENCE (constructed).
pub(crate) const SEQUENCE: u8 = 0x30;
/// [APPLICATION 0] constructed: the GSS-API InitialContextToken.
pub(crate) const APPLICATION_0: u8 = 0x60;

/// Context-specific constructed tag `[n]`.
pub(crate) const fn context(n: u8) -> u8 {
    0xa0 | n
}

/// One element: its tag and its content.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet.
    pub(crate) tag: u8,
    /// The content octets.
    pub(crate) content: &'a [u8],
}

/// Reads consecutive elements from a buffer; every length is checked against what is left.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    context: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`; `context` names the structure in error messages.
    pub(crate) fn new(buf: &'a [u8], context: &'static str) -> Reader<'a> {
        Reader { rest: buf, context }
    }

    /// Whether every element has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// An error about the structure being read.
    pub(crate) fn error(&self, problem: &'static str) -> TokenError {
        TokenError::Der {
            context: self.context,
            problem,
        }
    }

    /// Reads the next element.
    pub(crate) fn next(&mut self) -> Result<Tlv<'a>, TokenError> {
        let (&tag, after_tag) = self
            .rest
            .split_first()
            .ok_or(self.error("unexpected end"))?;
        if tag & 0x1f == 0x1f {
            return Err(self.error("a multi-byte tag (SPNEGO uses none)"));
        }
        let (&first, after_len) = after_tag
            .split_first()
            .ok_or(self.error("missing length"))?;
        let (len, body) = match first {
            0..=0x7f => (usize::from(first), after_len),
            0x80 => return Err(self.error("an indefinite length (DER forbids it)")),
            _ => {
                let count = usize::from(first & 0x7f);
                if count > 4 {
                    return Err(self.error("a length of more than four bytes"));
                }
                let bytes = after_len
                    .get(..count)
                    .ok_or(self.error("a length that runs past the end"))?;
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                (len, &after_len[count..])
            }
        };
        let content = body
            .get(..len)
            .ok_or(self.error("an element longer than its container"))?;
        self.rest = &body[len..];
        Ok(Tlv { tag, content })
    }

    /// Reads the next element and requires its tag.
    pub(crate) fn expect(
        &mut self,
        tag: u8,
        problem: &'static str,
    ) -> Result<&'a [u8], TokenError> {
        let tlv = self.next()?;
        if tlv.tag != tag {
            return Err(self.error(problem));
        }
        Ok(tlv.content)
    }
}

/// Reads a buffer that must hold exactly one element with `tag`.
pub(crate) fn single<'a>(
    buf: &'a [u8],
    tag: u8,
    context: &'static str,
    problem: &'static str,
) -> Result<&'a [u8], TokenError> {
    let mut reader = Reader::new(buf, context);
    let content = reader.expect(tag, problem)?;
    if !reader.is_empty() {
        return Err(reader.error("trailing bytes after the element"));
    }
    Ok(content)
}

/// The dotted form of an OID's content octets, for messages; `?` for a malformed one.
pub(crate) fn oid_to_string(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut pending = false;
    for &b in content {
        if value > (u64::MAX >> 7) {
            return "?".to_owned();
        }
        value = (value << 7) | u64::from(b & 0x7f);
        pending = true;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
            pending = false;
        }
    }
    if pending || arcs.is_empty() {
        return "?".to_owned();
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Writes one element with a minimal (DER) length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_in_short_and_long_form() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 70_000] {
            let content = vec![7u8; len];
            let encoded = tlv(OCTET_STRING, &content);
            let mut reader = Reader::new(&encoded, "test");
            let read = reader.next().unwrap();
            assert_eq!((read.tag, read.content.len()), (OCTET_STRING, len));
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn oids_print_dotted() {
        let ntlm = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
        assert_eq!(oid_to_string(&ntlm), "1.3.6.1.4.1.311.2.2.10");
        let krb5 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
        assert_eq!(oid_to_string(&krb5), "1.2.840.113554.1.2.2");
        assert_eq!(oid_to_string(&[0x2a, 0x86]), "?");
    }

    #[test]
    fn bad_lengths_are_errors_not_panics() {
        for bad in [
            &[0x04][..],
            &[0x04, 0x80],
            &[0x04, 0x85, 1, 1, 1, 1, 1],
            &[0x04, 0x82, 0xff],
            &[0x04, 0x05, 1],
            &[0x1f, 0],
        ] {
            assert!(Reader::new(bad, "test").next().is_err(), "{bad:?}");
        }
    }
}
