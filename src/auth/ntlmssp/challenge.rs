//! Writing the CHALLENGE message (type 2) as a Windows server in a domain does, and the
//! [`Challenge`] the connection keeps for the AUTHENTICATE leg.

use std::time::{SystemTime, UNIX_EPOCH};

use super::flags::{
    ECHOED, EXTENDED_SESSIONSECURITY, NEGOTIATE_LM_KEY, NEGOTIATE_NTLM, NEGOTIATE_OEM,
    NEGOTIATE_TARGET_INFO, NEGOTIATE_UNICODE, NEGOTIATE_VERSION, REQUEST_TARGET,
    TARGET_TYPE_DOMAIN,
};
use super::message::Negotiate;
use super::wire::{
    encode_text, push_av, utf16le, Builder, AV_DNS_COMPUTER, AV_DNS_DOMAIN, AV_DNS_TREE, AV_EOL,
    AV_NB_COMPUTER, AV_NB_DOMAIN, AV_TIMESTAMP,
};

/// Which CHALLENGE the server sends: today's Windows, or one of the older servers that
/// clients still meet (`server.ntlm_challenge` in the fixtures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ChallengeProfile {
    /// Target info with every name and a timestamp.
    #[default]
    Default,
    /// Target info without MsvAvTimestamp (Windows Server 2003).
    NoTimestamp,
    /// No target info at all and the TARGET_INFO flag cleared.
    NoTargetInfo,
    /// No target info and no extended session security, which makes clients answer NTLMv1.
    NoEss,
}

impl ChallengeProfile {
    /// Whether this profile sends target info.
    fn has_target_info(self) -> bool {
        matches!(
            self,
            ChallengeProfile::Default | ChallengeProfile::NoTimestamp
        )
    }
}

/// The names a server announces, derived from its FQDN as a domain member's would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerNames {
    /// NetBIOS computer name: the first label, uppercase, at most 15 characters (`UM01`).
    pub(crate) nb_computer: String,
    /// NetBIOS domain name: the second label, uppercase, at most 15 characters (`CONTOSO`).
    pub(crate) nb_domain: String,
    /// DNS computer name: the FQDN (`um01.contoso.com`).
    pub(crate) dns_computer: String,
    /// DNS domain name: the FQDN less its first label (`contoso.com`).
    pub(crate) dns_domain: String,
}

impl ServerNames {
    /// Derives the names from `fqdn`. A single label (`um01`) is its own domain, as for a
    /// server in a workgroup; an empty one is taken as `localhost`.
    pub(crate) fn from_fqdn(fqdn: &str) -> ServerNames {
        let fqdn = fqdn.trim().trim_end_matches('.');
        let fqdn = if fqdn.is_empty() { "localhost" } else { fqdn };
        let netbios = |label: &str| label.to_uppercase().chars().take(15).collect::<String>();
        let (host, domain) = fqdn.split_once('.').unwrap_or((fqdn, fqdn));
        let domain_label = domain.split('.').next().unwrap_or(domain);
        ServerNames {
            nb_computer: netbios(host),
            nb_domain: netbios(domain_label),
            dns_computer: fqdn.to_owned(),
            dns_domain: domain.to_owned(),
        }
    }
}

/// What a connection keeps between its CHALLENGE and the AUTHENTICATE that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The 8-byte server challenge sent.
    pub(crate) server_challenge: [u8; 8],
    /// The NegotiateFlags sent.
    pub(crate) flags: u32,
    /// The profile the CHALLENGE was written with.
    pub(crate) profile: ChallengeProfile,
    /// The target info (AV pairs) sent; empty for the profiles without.
    pub(crate) target_info: Vec<u8>,
    /// The MsvAvTimestamp sent, if any.
    pub(crate) timestamp: Option<u64>,
}

/// The inputs of a CHALLENGE besides the client's NEGOTIATE.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChallengeParams<'a> {
    /// The server's FQDN, e.g. `um01.contoso.com`.
    pub(crate) fqdn: &'a str,
    /// Which kind of server to imitate.
    pub(crate) profile: ChallengeProfile,
    /// Eight bytes the caller drew from its RNG.
    pub(crate) server_challenge: [u8; 8],
    /// Now, as a FILETIME (see [`filetime`]).
    pub(crate) timestamp: u64,
}

/// Windows Server 2019 (10.0 build 17763), NTLM revision 15: what the Version field says.
const SERVER_VERSION: [u8; 8] = [10, 0, 0x63, 0x45, 0, 0, 0, 0x0f];

/// The flags a Windows server answers `requested` with (MS-NLMP 3.2.5.1.1).
pub(crate) fn answer_flags(requested: u32, profile: ChallengeProfile) -> u32 {
    // Unicode wins when the client offers both charsets; OEM when it offers neither.
    let charset = if requested & NEGOTIATE_UNICODE != 0 {
        NEGOTIATE_UNICODE
    } else {
        NEGOTIATE_OEM
    };
    let mut flags = charset | NEGOTIATE_NTLM | (requested & ECHOED);
    if requested & REQUEST_TARGET != 0 {
        flags |= REQUEST_TARGET | TARGET_TYPE_DOMAIN;
    }
    let ess = requested & EXTENDED_SESSIONSECURITY != 0 && profile != ChallengeProfile::NoEss;
    if ess {
        // ESS and LM_KEY are exclusive; ESS alone is returned when both are asked for.
        flags |= EXTENDED_SESSIONSECURITY;
    } else if requested & NEGOTIATE_LM_KEY != 0 {
        flags |= NEGOTIATE_LM_KEY;
    }
    // Target info is the server's to give, not the client's to ask for: Windows always sends
    // it, and NTLMv2 clients need it.
    if profile.has_target_info() {
        flags |= NEGOTIATE_TARGET_INFO;
    }
    flags
}

/// The AV pairs of `names`, with a timestamp unless the profile leaves it out.
fn target_info(names: &ServerNames, profile: ChallengeProfile, timestamp: u64) -> Vec<u8> {
    let mut out = Vec::new();
    push_av(&mut out, AV_NB_DOMAIN, &utf16le(&names.nb_domain));
    push_av(&mut out, AV_NB_COMPUTER, &utf16le(&names.nb_computer));
    push_av(&mut out, AV_DNS_DOMAIN, &utf16le(&names.dns_domain));
    push_av(&mut out, AV_DNS_COMPUTER, &utf16le(&names.dns_computer));
    // The forest is the domain itself: a single-domain forest, as a test lab has.
    push_av(&mut out, AV_DNS_TREE, &utf16le(&names.dns_domain));
    if profile == ChallengeProfile::Default {
        push_av(&mut out, AV_TIMESTAMP, &timestamp.to_le_bytes());
    }
    push_av(&mut out, AV_EOL, &[]);
    out
}

/// Writes the CHALLENGE answering `negotiate`, and the state to keep for the next leg.
pub(crate) fn encode_challenge(
    negotiate: &Negotiate,
    params: &ChallengeParams<'_>,
) -> (Vec<u8>, Challenge) {
    let flags = answer_flags(negotiate.flags, params.profile);
    let names = ServerNames::from_fqdn(params.fqdn);
    let info = if params.profile.has_target_info() {
        target_info(&names, params.profile, params.timestamp)
    } else {
        Vec::new()
    };
    // Fixed part: signature, type, TargetNameFields, flags, challenge, reserved,
    // TargetInfoFields, Version; payloads follow at 56.
    let mut message = Builder::new(2, 56);
    message.put(20, &flags.to_le_bytes());
    message.put(24, &params.server_challenge);
    if flags & NEGOTIATE_VERSION != 0 {
        message.put(48, &SERVER_VERSION);
    }
    let target_name = if flags & REQUEST_TARGET != 0 {
        encode_text(&names.nb_domain, flags & NEGOTIATE_UNICODE != 0)
    } else {
        Vec::new()
    };
    message.payload(12, &target_name);
    message.payload(40, &info);
    let kept = Challenge {
        server_challenge: params.server_challenge,
        flags,
        profile: params.profile,
        target_info: info,
        timestamp: (params.profile == ChallengeProfile::Default).then_some(params.timestamp),
    };
    (message.buf, kept)
}

/// 100-nanosecond intervals between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// `time` as a Windows FILETIME; times before 1970 count as 1970.
pub(crate) fn filetime(time: SystemTime) -> u64 {
    let since_unix = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let ticks = since_unix.as_nanos() / 100;
    FILETIME_UNIX_EPOCH.saturating_add(u64::try_from(ticks).unwrap_or(u64::MAX))
}
