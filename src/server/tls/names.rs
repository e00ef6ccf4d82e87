//! The name a certificate holds for a host a client connects to, shared by the CA (its name
//! constraints) and the leaf (its subject alternative names).

use std::net::IpAddr;

use rcgen::string::Ia5String;
use rcgen::SanType;

use super::TlsError;

/// The SAN a client connecting to `host` checks: an IP SAN for an address (brackets
/// allowed, as in a URL), a DNS SAN for a name (lower-cased, as DNS is case-blind, so
/// duplicates collapse). `None` for an empty host and for `0.0.0.0` / `::`: they are where
/// a server listens, never a name a client connects to.
pub(super) fn san(host: &str) -> Result<Option<SanType>, TlsError> {
    let trimmed = host.trim();
    let bare = trimmed
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(trimmed);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok((!ip.is_unspecified()).then_some(SanType::IpAddress(ip)));
    }
    // A fully qualified name's trailing dot is not part of the name a certificate holds.
    let name = bare.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Ok(None);
    }
    Ia5String::try_from(name)
        .map(|name| Some(SanType::DnsName(name)))
        .map_err(|source| TlsError::Host {
            host: host.to_owned(),
            source,
        })
}
