//! NTLM messages as a client writes them, by hand, for the tests that speak NTLM on raw
//! keep-alive connections (the connection-bound rules, bad tokens, Extended Protection).

/// A string as NTLM carries it with the Unicode flag: UTF-16LE.
pub fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// An NTLM NEGOTIATE (type 1): Unicode, NTLM, request target, extended session security.
pub fn type1() -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(1u32.to_le_bytes());
    m.extend((0x0000_0001u32 | 0x0000_0200 | 0x0000_0004 | 0x0008_0000).to_le_bytes());
    m.extend([0u8; 16]); // no domain, no workstation
    m
}

/// An NTLM AUTHENTICATE (type 3) from workstation `WS01` for `domain\user` with these LM
/// and NT responses, flags Unicode and NTLM: the six fields laid out after the 64-byte
/// header, each described there by its length (twice) and offset.
pub fn authenticate(lm: Vec<u8>, nt: Vec<u8>, domain: &str, user: &str) -> Vec<u8> {
    let fields = [
        lm,
        nt,
        utf16(domain),
        utf16(user),
        utf16("WS01"),
        Vec::new(),
    ];
    let mut header = b"NTLMSSP\0".to_vec();
    header.extend(3u32.to_le_bytes());
    let mut payload: Vec<u8> = Vec::new();
    for field in &fields {
        let len = field.len() as u16;
        header.extend(len.to_le_bytes());
        header.extend(len.to_le_bytes());
        header.extend((64 + payload.len() as u32).to_le_bytes());
        payload.extend(field);
    }
    header.extend((0x0000_0001u32 | 0x0000_0200).to_le_bytes());
    header.extend(payload);
    header
}
