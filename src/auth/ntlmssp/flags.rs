//! NEGOTIATE flags (MS-NLMP 2.2.2.5), as the bits appear on the wire (little-endian u32).

/// Strings are UTF-16LE.
pub(crate) const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
/// Strings are in the OEM code page.
pub(crate) const NEGOTIATE_OEM: u32 = 0x0000_0002;
/// The client asks for the server's target name in the CHALLENGE.
pub(crate) const REQUEST_TARGET: u32 = 0x0000_0004;
/// Message integrity (signing).
pub(crate) const NEGOTIATE_SIGN: u32 = 0x0000_0010;
/// Message confidentiality (sealing).
pub(crate) const NEGOTIATE_SEAL: u32 = 0x0000_0020;
/// LAN Manager session key; loses to extended session security.
pub(crate) const NEGOTIATE_LM_KEY: u32 = 0x0000_0080;
/// NTLM v1 session security; always set by Windows.
pub(crate) const NEGOTIATE_NTLM: u32 = 0x0000_0200;
/// The NEGOTIATE carries the client's OEM domain name.
pub(crate) const OEM_DOMAIN_SUPPLIED: u32 = 0x0000_1000;
/// The NEGOTIATE carries the client's OEM workstation name.
pub(crate) const OEM_WORKSTATION_SUPPLIED: u32 = 0x0000_2000;
/// A dummy signature is always produced.
pub(crate) const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
/// The target name is a domain name.
pub(crate) const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
/// Extended session security: NTLMv1 clients answer with the NTLM2 session response.
pub(crate) const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
/// The CHALLENGE carries target info (AV pairs).
pub(crate) const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
/// The message carries an 8-byte Version field.
pub(crate) const NEGOTIATE_VERSION: u32 = 0x0200_0000;
/// 128-bit session key.
pub(crate) const NEGOTIATE_128: u32 = 0x2000_0000;
/// Explicit key exchange: the AUTHENTICATE carries an encrypted random session key.
pub(crate) const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;
/// 56-bit session key.
pub(crate) const NEGOTIATE_56: u32 = 0x8000_0000;

/// Flags a CHALLENGE echoes when the client asked for them (MS-NLMP 3.2.5.1.1).
pub(super) const ECHOED: u32 = NEGOTIATE_128
    | NEGOTIATE_56
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_SIGN
    | NEGOTIATE_SEAL
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_VERSION;
