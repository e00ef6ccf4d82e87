//! The one-way functions and response algorithms of MS-NLMP 3.3 and Appendix A, over the
//! RustCrypto primitives. Pure and total: every input length is valid.

use des::cipher::{BlockEncrypt, KeyInit};
use des::Des;
use hmac::{Hmac, Mac};
use md4::{Digest, Md4};
use md5::Md5;

use super::wire::utf16le;

/// NTOWFv1: MD4 of the UTF-16LE password (the "NT hash").
pub(crate) fn ntowf_v1(password: &str) -> [u8; 16] {
    Md4::digest(utf16le(password)).into()
}

/// NTOWFv2: HMAC-MD5 keyed by NTOWFv1 over UNICODE(Uppercase(user) || domain). User and
/// domain are used exactly as the client sent them; only the user is uppercased.
pub(crate) fn ntowf_v2(password: &str, user: &str, domain: &str) -> [u8; 16] {
    let mut text = windows_uppercase(user);
    text.push_str(domain);
    hmac_md5(&ntowf_v1(password), &[&utf16le(&text)])
}

/// Uppercases as Windows' RtlUpcaseUnicodeString does: character by character, keeping any
/// character whose uppercase is not a single character (so `ß` stays `ß`, not `SS`), since a
/// Windows client computing NTOWFv2 never changes the string's length.
pub(crate) fn windows_uppercase(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// HMAC-MD5 of the concatenated parts.
pub(crate) fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC takes keys of any length, so construction cannot fail.
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// MD5 of the concatenated parts.
pub(crate) fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// DESL (MS-NLMP Appendix A): the 16-byte key padded to 21 bytes with zeros, cut into three
/// 7-byte DES keys, each encrypting the 8-byte data; 24 bytes out.
pub(crate) fn desl(key: &[u8; 16], data: &[u8; 8]) -> [u8; 24] {
    let mut padded = [0u8; 21];
    padded[..16].copy_from_slice(key);
    let mut out = [0u8; 24];
    for (chunk, out) in padded.chunks_exact(7).zip(out.chunks_exact_mut(8)) {
        let mut seven = [0u8; 7];
        seven.copy_from_slice(chunk);
        out.copy_from_slice(&des_encrypt(&seven, data));
    }
    out
}

/// DES-encrypts one block with a 56-bit key spread over 8 bytes, 7 bits each; the low bit of
/// each byte is a parity bit DES ignores, so it is left zero.
fn des_encrypt(key7: &[u8; 7], data: &[u8; 8]) -> [u8; 8] {
    let bits = key7.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut key8 = [0u8; 8];
    for (i, byte) in key8.iter_mut().enumerate() {
        // The 56 key bits, 7 at a time from the most significant end, each shifted left by one.
        *byte = (((bits >> (49 - 7 * i)) & 0x7f) as u8) << 1;
    }
    let cipher = Des::new(&key8.into());
    let mut block = (*data).into();
    cipher.encrypt_block(&mut block);
    block.into()
}

/// The NTLMv1 NT response: DESL(NTOWFv1, server challenge).
pub(crate) fn ntlm_v1_response(password: &str, server_challenge: &[u8; 8]) -> [u8; 24] {
    desl(&ntowf_v1(password), server_challenge)
}

/// The NTLM2 session response (NTLMv1 with extended session security):
/// DESL(NTOWFv1, MD5(server challenge || client challenge)[0..8]).
pub(crate) fn ntlm2_session_response(
    password: &str,
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    let digest = md5(&[server_challenge, client_challenge]);
    let mut first8 = [0u8; 8];
    first8.copy_from_slice(&digest[..8]);
    desl(&ntowf_v1(password), &first8)
}

/// NTProofStr: HMAC-MD5(NTOWFv2, server challenge || blob), where the blob is the NTLMv2
/// response after its first 16 bytes (the "temp" of MS-NLMP 3.3.2).
pub(crate) fn nt_proof_str(
    ntowf_v2: &[u8; 16],
    server_challenge: &[u8; 8],
    blob: &[u8],
) -> [u8; 16] {
    hmac_md5(ntowf_v2, &[server_challenge, blob])
}

/// The LMv2 response: HMAC-MD5(NTOWFv2, server challenge || client challenge) || client
/// challenge.
pub(crate) fn lm_v2_response(
    ntowf_v2: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(&hmac_md5(ntowf_v2, &[server_challenge, client_challenge]));
    out[16..].copy_from_slice(client_challenge);
    out
}

/// Compares without an early exit, so a timing difference does not say how much matched.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::super::test_util::hex;
    use super::*;

    /// MS-NLMP 4.2.1 common values.
    const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];

    #[test]
    fn ntowf_v1_matches_ms_nlmp_4_2_2_1_2() {
        assert_eq!(
            ntowf_v1("Password").to_vec(),
            hex("a4f49c406510bdcab6824ee7c30fd852")
        );
    }

    #[test]
    fn ntlm_v1_response_matches_ms_nlmp_4_2_2_2_1() {
        assert_eq!(
            ntlm_v1_response("Password", &SERVER_CHALLENGE).to_vec(),
            hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94")
        );
    }

    #[test]
    fn ntlm2_session_response_matches_ms_nlmp_4_2_3_2_2() {
        assert_eq!(
            ntlm2_session_response("Password", &SERVER_CHALLENGE, &CLIENT_CHALLENGE).to_vec(),
            hex("7537f803ae367128ca458204bde7caf81e97ed2683267232")
        );
    }

    #[test]
    fn ntowf_v2_matches_ms_nlmp_4_2_4_1_1() {
        assert_eq!(
            ntowf_v2("Password", "User", "Domain").to_vec(),
            hex("0c868a403bfd7a93a3001ef22ef02e3f")
        );
    }

    /// The "temp" of MS-NLMP 4.2.4.1.3: header, time 0, client challenge, reserved, the
    /// challenge's AV pairs (NbDomainName "Domain", NbComputerName "Server", EOL), reserved.
    pub(crate) fn spec_v2_blob() -> Vec<u8> {
        hex(
            "0101 0000 00000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000
             0200 0c00 44006f006d00610069006e00
             0100 0c00 530065007200760065007200
             0000 0000 00000000",
        )
    }

    #[test]
    fn nt_proof_str_matches_ms_nlmp_4_2_4_2_2() {
        let key = ntowf_v2("Password", "User", "Domain");
        let proof = nt_proof_str(&key, &SERVER_CHALLENGE, &spec_v2_blob());
        assert_eq!(proof.to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"));
        // The session base key of 4.2.4.1.2 follows from the proof: a check on the blob too.
        assert_eq!(
            hmac_md5(&key, &[&proof]).to_vec(),
            hex("8de40ccadbc14a82f15cb0ad0de95ca3")
        );
    }

    #[test]
    fn lm_v2_response_matches_ms_nlmp_4_2_4_2_1() {
        let key = ntowf_v2("Password", "User", "Domain");
        assert_eq!(
            lm_v2_response(&key, &SERVER_CHALLENGE, &CLIENT_CHALLENGE).to_vec(),
            hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")
        );
    }

    #[test]
    fn uppercasing_keeps_the_length_like_windows() {
        assert_eq!(windows_uppercase("straße élan"), "STRAßE ÉLAN");
    }

    #[test]
    fn same_compares_whole_slices() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
