//! What an NTLMv2 AUTHENTICATE binds itself to (MS-NLMP 2.2.2.1, 3.1.5.1.2): the TLS channel
//! (`MsvAvChannelBindings`, the MD5 of a GSS-API channel bindings structure) and the service
//! (`MsvAvTargetName`, the SPN the client meant); and the channel binding a server expects for
//! the certificate it served, RFC 5929's `tls-server-end-point`.

use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};

use super::der::{self, Reader};
use super::error::TokenError;
use super::message::Authenticate;
use super::wire::{av_pairs, decode_text, AV_CHANNEL_BINDINGS, AV_TARGET_NAME};

/// NTProofStr (16) plus the fixed part of the NTLMv2 client challenge blob (28), after which
/// the blob's AV pairs start.
const V2_PAIRS_AT: usize = 16 + 28;

/// The bindings an NTLMv2 response carries in its client challenge blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ClientBindings {
    /// `MsvAvChannelBindings`, unless absent or all zero (what a client without channel
    /// binding support sends, MS-NLMP 3.1.5.1.2).
    pub(crate) channel: Option<[u8; 16]>,
    /// `MsvAvTargetName`, unless absent or empty.
    pub(crate) target: Option<String>,
}

/// The bindings of `auth`'s NTLMv2 response, or `None` when it is not an NTLMv2 response
/// (NTLMv1, NTLM2 session, LMv2 alone: they have no blob to carry any).
pub(crate) fn client_bindings(auth: &Authenticate) -> Result<Option<ClientBindings>, TokenError> {
    // 24 bytes is NTLMv1 or NTLM2 session; anything shorter than a blob carries nothing.
    if auth.nt_response.len() < V2_PAIRS_AT {
        return Ok(None);
    }
    let mut bindings = ClientBindings::default();
    for (id, value) in av_pairs(&auth.nt_response[V2_PAIRS_AT..])? {
        match id {
            AV_CHANNEL_BINDINGS => {
                bindings.channel = <[u8; 16]>::try_from(value)
                    .ok()
                    .filter(|hash| hash.iter().any(|&b| b != 0));
            }
            // Always UTF-16LE, whatever the message's charset (MS-NLMP 2.2.2.1).
            AV_TARGET_NAME => {
                bindings.target =
                    Some(decode_text(value, true, "MsvAvTargetName")?).filter(|t| !t.is_empty());
            }
            _ => {}
        }
    }
    Ok(Some(bindings))
}

/// The hash RFC 5929 names for a certificate's `tls-server-end-point` binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndPointHash {
    Sha256,
    Sha384,
    Sha512,
}

impl EndPointHash {
    /// The name used in reasons.
    pub(crate) fn name(self) -> &'static str {
        match self {
            EndPointHash::Sha256 => "SHA-256",
            EndPointHash::Sha384 => "SHA-384",
            EndPointHash::Sha512 => "SHA-512",
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            EndPointHash::Sha256 => Sha256::digest(data).to_vec(),
            EndPointHash::Sha384 => Sha384::digest(data).to_vec(),
            EndPointHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// The hash of a certificate's signature algorithm, as RFC 5929 section 4.1 picks it: the one
/// the signature uses, except SHA-256 for MD5 and SHA-1. An algorithm that names no hash of
/// its own (RSASSA-PSS, whose hash is in its parameters; Ed25519) gets SHA-256 too, as
/// Windows and pyspnego fall back to.
pub(crate) fn end_point_hash(certificate: &[u8]) -> Result<EndPointHash, TokenError> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, … }
    let outer = der::single(
        certificate,
        der::SEQUENCE,
        "the certificate",
        "not a DER certificate",
    )?;
    let mut fields = Reader::new(outer, "the certificate");
    fields.expect(der::SEQUENCE, "no tbsCertificate")?;
    let algorithm = fields.expect(der::SEQUENCE, "no signatureAlgorithm")?;
    let oid =
        Reader::new(algorithm, "the signature algorithm").expect(der::OID, "no algorithm OID")?;
    Ok(match der::oid_to_string(oid).as_str() {
        // sha384WithRSAEncryption, ecdsa-with-SHA384
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => EndPointHash::Sha384,
        // sha512WithRSAEncryption, ecdsa-with-SHA512
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => EndPointHash::Sha512,
        // sha256WithRSAEncryption, ecdsa-with-SHA256, and MD5, SHA-1, SHA-224 and the rest.
        _ => EndPointHash::Sha256,
    })
}

/// The `MsvAvChannelBindings` value a client computes for a TLS connection served with
/// `certificate` (DER): the MD5 of the `gss_channel_bindings_struct` with no addresses
/// (initiator and acceptor address type and length, four zero 32-bit fields) and the
/// application data `tls-server-end-point:` + the certificate's hash, its length first
/// (little-endian, as Windows and pyspnego lay the structure out).
pub(crate) fn channel_bindings(certificate: &[u8]) -> Result<([u8; 16], EndPointHash), TokenError> {
    let hash = end_point_hash(certificate)?;
    let mut application = b"tls-server-end-point:".to_vec();
    application.extend(hash.digest(certificate));
    Ok((bindings_hash(&application), hash))
}

/// The MD5 of a `gss_channel_bindings_struct` with no addresses and `application` data.
pub(crate) fn bindings_hash(application: &[u8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update([0u8; 16]);
    // A TLS certificate hash is far below 4 GiB; the cast cannot truncate it.
    md5.update((application.len() as u32).to_le_bytes());
    md5.update(application);
    md5.finalize().into()
}
