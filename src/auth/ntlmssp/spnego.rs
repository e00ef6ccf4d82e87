//! SPNEGO (RFC 4178) as HTTP Negotiate (RFC 4559) carries it: reading the client's
//! NegTokenInit and NegTokenResp, and writing the server's NegTokenResp. NTLM is the only
//! mechanism; a client that offers only Kerberos is told so.

use super::der::{
    context, oid_to_string, single, tlv, Reader, APPLICATION_0, BIT_STRING, ENUMERATED,
    OCTET_STRING, OID, SEQUENCE,
};
use super::error::TokenError;
use super::wire::SIGNATURE;
use super::MAX_TOKEN_LEN;

/// 1.3.6.1.5.5.2, SPNEGO.
const SPNEGO_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// 1.3.6.1.4.1.311.2.2.10, NTLMSSP.
pub(crate) const NTLM_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
/// 1.2.840.113554.1.2.2, Kerberos 5.
const KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// 1.2.840.48018.1.2.2, the OID older Windows used for Kerberos 5.
const MS_KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// A bound on the mechanism list: real clients offer two to four.
const MAX_MECHS: usize = 32;

/// negState accept-completed.
pub(crate) const ACCEPT_COMPLETED: u8 = 0;
/// negState accept-incomplete.
pub(crate) const ACCEPT_INCOMPLETE: u8 = 1;
/// negState reject.
pub(crate) const REJECT: u8 = 2;

/// A client's NegTokenInit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NegTokenInit<'a> {
    /// mechTypes, as OID content octets, in the client's order of preference.
    pub(crate) mech_types: Vec<&'a [u8]>,
    /// mechToken: the optimistic token for the first mechanism.
    pub(crate) mech_token: Option<&'a [u8]>,
    /// mechListMIC.
    pub(crate) mech_list_mic: Option<&'a [u8]>,
}

/// A NegTokenResp (a client's follow-up, or the server's answer when testing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NegTokenResp<'a> {
    /// negState.
    pub(crate) neg_state: Option<u8>,
    /// supportedMech, as OID content octets.
    pub(crate) supported_mech: Option<&'a [u8]>,
    /// responseToken.
    pub(crate) response_token: Option<&'a [u8]>,
    /// mechListMIC.
    pub(crate) mech_list_mic: Option<&'a [u8]>,
}

/// What arrived under the `Negotiate` scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NegotiateToken<'a> {
    /// A bare NTLM message, as several clients send under `Negotiate`.
    RawNtlm(&'a [u8]),
    /// A NegTokenInit (first leg).
    Init(NegTokenInit<'a>),
    /// A NegTokenResp (later legs).
    Resp(NegTokenResp<'a>),
}

/// Reads a `Negotiate` token: a bare NTLM message, a GSS-API InitialContextToken around a
/// NegTokenInit, a bare NegTokenInit, or a NegTokenResp.
pub(crate) fn parse(token: &[u8]) -> Result<NegotiateToken<'_>, TokenError> {
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge { len: token.len() });
    }
    if token.starts_with(SIGNATURE) {
        return Ok(NegotiateToken::RawNtlm(token));
    }
    match token[0] {
        APPLICATION_0 => {
            let inner = single(
                token,
                APPLICATION_0,
                "the GSS-API token",
                "not a GSS-API token",
            )?;
            let mut reader = Reader::new(inner, "the GSS-API token");
            let mech = reader.expect(OID, "no mechanism OID")?;
            if mech == KRB5_OID || mech == MS_KRB5_OID {
                return Err(TokenError::KerberosOnly {
                    offered: vec![oid_to_string(mech)],
                });
            }
            if mech != SPNEGO_OID {
                return Err(TokenError::NoSupportedMech {
                    offered: vec![oid_to_string(mech)],
                });
            }
            let rest = reader.next()?;
            if rest.tag != context(0) || !reader.is_empty() {
                return Err(reader.error("the SPNEGO token is not a NegTokenInit"));
            }
            parse_init(rest.content).map(NegotiateToken::Init)
        }
        tag if tag == context(0) => {
            let content = single(token, context(0), "the NegTokenInit", "not a NegTokenInit")?;
            parse_init(content).map(NegotiateToken::Init)
        }
        tag if tag == context(1) => {
            let content = single(token, context(1), "the NegTokenResp", "not a NegTokenResp")?;
            parse_resp(content).map(NegotiateToken::Resp)
        }
        _ => Err(TokenError::Der {
            context: "the Negotiate token",
            problem: "neither an NTLM message nor a SPNEGO token",
        }),
    }
}

/// Reads the SEQUENCE inside `[0]` NegTokenInit.
fn parse_init(content: &[u8]) -> Result<NegTokenInit<'_>, TokenError> {
    const CTX: &str = "the NegTokenInit";
    let fields = single(content, SEQUENCE, CTX, "no SEQUENCE")?;
    let mut reader = Reader::new(fields, CTX);
    let mut init = NegTokenInit {
        mech_types: Vec::new(),
        mech_token: None,
        mech_list_mic: None,
    };
    let mut seen = 0u8;
    while !reader.is_empty() {
        let field = reader.next()?;
        let index = field.tag.wrapping_sub(context(0));
        if index < 8 {
            if seen & (1 << index) != 0 {
                return Err(reader.error("a repeated field"));
            }
            seen |= 1 << index;
        }
        match index {
            0 => {
                let list = single(field.content, SEQUENCE, "the mechTypes", "no SEQUENCE")?;
                let mut mechs = Reader::new(list, "the mechTypes");
                while !mechs.is_empty() {
                    if init.mech_types.len() == MAX_MECHS {
                        return Err(mechs.error("more than 32 mechanisms"));
                    }
                    init.mech_types
                        .push(mechs.expect(OID, "a mechanism that is not an OID")?);
                }
            }
            1 => {
                single(field.content, BIT_STRING, "the reqFlags", "no BIT STRING")?;
            }
            2 => {
                init.mech_token = Some(single(
                    field.content,
                    OCTET_STRING,
                    "the mechToken",
                    "no OCTET STRING",
                )?)
            }
            // [3] is mechListMIC in RFC 4178, negHints in Microsoft's NegTokenInit2 (which
            // moves the MIC to [4]); only an OCTET STRING is taken as a MIC.
            3 | 4 => {
                if let Ok(mic) = single(field.content, OCTET_STRING, CTX, "") {
                    init.mech_list_mic = Some(mic);
                }
            }
            // Unknown fields are extensions; skipping them is what the ASN.1 "..." allows.
            _ => {}
        }
    }
    if seen & 1 == 0 {
        return Err(reader.error("no mechTypes"));
    }
    Ok(init)
}

/// Reads the SEQUENCE inside `[1]` NegTokenResp.
fn parse_resp(content: &[u8]) -> Result<NegTokenResp<'_>, TokenError> {
    const CTX: &str = "the NegTokenResp";
    let fields = single(content, SEQUENCE, CTX, "no SEQUENCE")?;
    let mut reader = Reader::new(fields, CTX);
    let mut resp = NegTokenResp {
        neg_state: None,
        supported_mech: None,
        response_token: None,
        mech_list_mic: None,
    };
    // The response token and the MIC are both an OCTET STRING in their context tag.
    let octets = |content, what| single(content, OCTET_STRING, what, "no OCTET STRING");
    while !reader.is_empty() {
        let field = reader.next()?;
        let slot_taken = match field.tag.wrapping_sub(context(0)) {
            0 => {
                let state = single(field.content, ENUMERATED, "the negState", "no ENUMERATED")?;
                let &[value] = state else {
                    return Err(reader.error("a negState that is not one byte"));
                };
                resp.neg_state.replace(value).is_some()
            }
            1 => {
                let mech = single(field.content, OID, "the supportedMech", "no OID")?;
                resp.supported_mech.replace(mech).is_some()
            }
            2 => {
                let token = octets(field.content, "the responseToken")?;
                resp.response_token.replace(token).is_some()
            }
            3 => {
                let mic = octets(field.content, "the mechListMIC")?;
                resp.mech_list_mic.replace(mic).is_some()
            }
            _ => false,
        };
        if slot_taken {
            return Err(reader.error("a repeated field"));
        }
    }
    Ok(resp)
}

/// What a NegTokenInit asks of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InitNtlm<'a> {
    /// NTLM is the client's first choice and its NEGOTIATE came along.
    Token(&'a [u8]),
    /// NTLM is offered but no NTLM token came: the server must select NTLM first.
    SelectNtlm,
}

/// Picks NTLM out of a NegTokenInit, or says why it cannot.
pub(crate) fn ntlm_from_init<'a>(init: &NegTokenInit<'a>) -> Result<InitNtlm<'a>, TokenError> {
    let Some(position) = init.mech_types.iter().position(|&m| m == NTLM_OID) else {
        let offered: Vec<String> = init.mech_types.iter().map(|m| oid_to_string(m)).collect();
        let kerberos = init
            .mech_types
            .iter()
            .any(|&m| m == KRB5_OID || m == MS_KRB5_OID);
        return Err(if kerberos {
            TokenError::KerberosOnly { offered }
        } else {
            TokenError::NoSupportedMech { offered }
        });
    };
    match init.mech_token {
        // The optimistic token belongs to the first mechanism only.
        Some(token) if position == 0 => {
            if token.starts_with(SIGNATURE) {
                Ok(InitNtlm::Token(token))
            } else {
                Err(TokenError::NoNtlmToken(
                    "the mechToken for NTLM is not an NTLM message",
                ))
            }
        }
        _ => Ok(InitNtlm::SelectNtlm),
    }
}

/// The NTLM message inside a client's NegTokenResp.
pub(crate) fn ntlm_from_resp<'a>(resp: &NegTokenResp<'a>) -> Result<&'a [u8], TokenError> {
    if resp.neg_state == Some(REJECT) {
        return Err(TokenError::ClientRejected);
    }
    if let Some(mech) = resp.supported_mech {
        if mech != NTLM_OID {
            return Err(TokenError::NoSupportedMech {
                offered: vec![oid_to_string(mech)],
            });
        }
    }
    let token = resp.response_token.ok_or(TokenError::NoNtlmToken(
        "the NegTokenResp carries no responseToken",
    ))?;
    if token.starts_with(SIGNATURE) {
        Ok(token)
    } else {
        Err(TokenError::NoNtlmToken(
            "the responseToken is not an NTLM message",
        ))
    }
}

/// A NegTokenResp from the server.
fn resp(state: u8, supported_mech: bool, response_token: Option<&[u8]>) -> Vec<u8> {
    let mut fields = tlv(context(0), &tlv(ENUMERATED, &[state]));
    if supported_mech {
        fields.extend(tlv(context(1), &tlv(OID, NTLM_OID)));
    }
    if let Some(token) = response_token {
        fields.extend(tlv(context(2), &tlv(OCTET_STRING, token)));
    }
    tlv(context(1), &tlv(SEQUENCE, &fields))
}

/// accept-incomplete, NTLM selected, the CHALLENGE as responseToken: the second leg.
pub(crate) fn challenge_response(challenge: &[u8]) -> Vec<u8> {
    resp(ACCEPT_INCOMPLETE, true, Some(challenge))
}

/// accept-incomplete, NTLM selected, no token: for a client whose first choice was another
/// mechanism; it answers with a NegTokenResp carrying its NTLM NEGOTIATE.
pub(crate) fn select_ntlm() -> Vec<u8> {
    resp(ACCEPT_INCOMPLETE, true, None)
}

/// accept-completed, the final leg. No supportedMech: RFC 4178 puts it in the first reply
/// only, and Windows' final token has none. No mechListMIC either (see mod.rs).
pub(crate) fn accept_completed() -> Vec<u8> {
    resp(ACCEPT_COMPLETED, false, None)
}

/// A NegTokenInit as a client sends it: GSS-API wrapper, `mechs`, and the optimistic token.
/// For tests.
#[cfg(test)]
pub(crate) fn build_init(mechs: &[&[u8]], mech_token: Option<&[u8]>) -> Vec<u8> {
    let list: Vec<u8> = mechs.iter().flat_map(|m| tlv(OID, m)).collect();
    let mut fields = tlv(context(0), &tlv(SEQUENCE, &list));
    if let Some(token) = mech_token {
        fields.extend(tlv(context(2), &tlv(OCTET_STRING, token)));
    }
    let mut inner = tlv(OID, SPNEGO_OID);
    inner.extend(tlv(context(0), &tlv(SEQUENCE, &fields)));
    tlv(APPLICATION_0, &inner)
}

/// A client's NegTokenResp carrying `token` (its AUTHENTICATE, or its NEGOTIATE after a
/// mechanism selection). For tests.
#[cfg(test)]
pub(crate) fn build_client_resp(token: &[u8]) -> Vec<u8> {
    tlv(
        context(1),
        &tlv(SEQUENCE, &tlv(context(2), &tlv(OCTET_STRING, token))),
    )
}

/// The Kerberos OIDs, for tests.
#[cfg(test)]
pub(crate) const KERBEROS_OIDS: [&[u8]; 2] = [MS_KRB5_OID, KRB5_OID];
