//! The generated server (leaf) certificate: a fresh key each start, signed by the [`Ca`],
//! naming `localhost`, `127.0.0.1`, `::1` and every host the user listens on or names.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rcgen::string::Ia5String;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};

use super::ca::{generating, valid_from_yesterday, Ca};
use super::names::san;
use super::TlsError;

/// A year: a new leaf is signed at every start, and macOS refuses server certificates valid
/// for more than 825 days even under a CA the user trusts.
const LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A signed leaf certificate and its private key.
pub(super) struct Leaf {
    pub(super) der: CertificateDer<'static>,
    pub(super) key: PrivateKeyDer<'static>,
}

/// A leaf for `localhost`, `127.0.0.1`, `::1` and `hosts`, signed by `ca`.
pub(super) fn issue(ca: &Ca, hosts: &[String]) -> Result<Leaf, TlsError> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    // Clients match the SANs, not this; it only labels the certificate.
    name.push(DnType::CommonName, "exchange-um-mock");
    params.distinguished_name = name;
    params.subject_alt_names = subject_alt_names(hosts)?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Lets a client (Windows SChannel among them) find the issuer by key, not by name only.
    params.use_authority_key_identifier_extension = true;
    valid_from_yesterday(&mut params, LIFETIME);

    let key = KeyPair::generate().map_err(generating("leaf key"))?;
    let cert = params
        .signed_by(&key, &ca.issuer)
        .map_err(generating("leaf certificate"))?;
    Ok(Leaf {
        der: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    })
}

/// The SANs: the loopback names first, then each of `hosts` once, in order.
fn subject_alt_names(hosts: &[String]) -> Result<Vec<SanType>, TlsError> {
    let loopback = [
        SanType::DnsName(Ia5String::try_from("localhost").expect("`localhost` is ASCII")),
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ];
    let mut sans = Vec::from(loopback);
    for host in hosts {
        if let Some(san) = san(host)? {
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
    }
    Ok(sans)
}

/// Checks that `leaf`, just signed by a CA loaded from `path` for `hosts`, verifies
/// against that CA's certificate as a client will check it. When it does not, a leaf for
/// the loopback names alone tells a CA that cannot be used at all (made by another tool,
/// expired) from one whose name constraints, set for the hosts of the start that made it,
/// leave out one of today's `hosts`.
pub(super) fn check_issued(
    ca: &Ca,
    path: &Path,
    leaf: &CertificateDer<'static>,
    hosts: &[String],
    provider: &Arc<CryptoProvider>,
) -> Result<(), TlsError> {
    let unusable = |source| TlsError::UnusableCa {
        path: path.to_owned(),
        source,
    };
    let mut roots = RootCertStore::empty();
    roots.add(ca.der.clone()).map_err(unusable)?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("the root store holds the one CA just added, and no CRLs are given");
    // Every generated leaf names 127.0.0.1.
    let name = ServerName::from(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let verify = |leaf: &CertificateDer<'static>| {
        verifier
            .verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    };
    let Err(source) = verify(leaf) else {
        return Ok(());
    };
    verify(&issue(ca, &[])?.der).map_err(unusable)?;
    for host in hosts {
        if let Err(source) = verify(&issue(ca, std::slice::from_ref(host))?.der) {
            return Err(TlsError::HostNotPermitted {
                path: path.to_owned(),
                host: host.clone(),
                source,
            });
        }
    }
    Err(unusable(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(name: &str) -> SanType {
        SanType::DnsName(Ia5String::try_from(name).unwrap())
    }

    fn ip(address: &str) -> SanType {
        SanType::IpAddress(address.parse().unwrap())
    }

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn the_loopback_names_come_first_even_with_no_hosts() {
        let sans = subject_alt_names(&[]).unwrap();
        assert_eq!(sans, [dns("localhost"), ip("127.0.0.1"), ip("::1")]);
    }

    #[test]
    fn extra_hosts_become_ip_or_dns_sans_once_each_and_wildcard_addresses_are_skipped() {
        let given = hosts(&[
            "um01.contoso.com",
            "0.0.0.0",
            "::",
            "[::]",
            "UM01.Contoso.com.",
            "10.1.2.3",
            "[fe80::1]",
            "127.0.0.1",
            "[::1]",
            "LOCALHOST",
            "",
        ]);
        let sans = subject_alt_names(&given).unwrap();
        assert_eq!(
            sans,
            [
                dns("localhost"),
                ip("127.0.0.1"),
                ip("::1"),
                dns("um01.contoso.com"),
                ip("10.1.2.3"),
                ip("fe80::1"),
            ]
        );
    }

    #[test]
    fn a_host_that_is_not_ascii_is_an_error_naming_it() {
        let err = subject_alt_names(&hosts(&["bücher.example"])).unwrap_err();
        assert!(matches!(err, TlsError::Host { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("cannot put host \"bücher.example\" in a certificate"));
    }
}
