//! The certificate authority that signs generated leaf certificates: made fresh at each
//! start, or kept in a state folder (`--tls-state DIR`) so that a client trusts it once.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, GeneralSubtree,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SanType,
};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::CertificateDer;

use super::{names, pem, state, TlsError};

/// The CA certificate's file in a state folder.
const CERT_FILE: &str = "ca.pem";
/// The CA private key's file (PKCS#8 PEM) in a state folder.
const KEY_FILE: &str = "ca.key";

/// The CA's common name, what a user sees in a trust store.
const NAME: &str = "exchange-um-mock CA";
/// Long enough that a kept CA outlives a project's test setup, short enough that a forgotten
/// one in a trust store expires.
const LIFETIME: Duration = Duration::from_secs(2 * 365 * 24 * 60 * 60);

/// Address ranges a generated CA may vouch for whatever the hosts: loopback and the private
/// ranges (RFC 1918, IPv6 unique local), where test servers live.
const TEST_RANGES: [(&str, u8); 6] = [
    ("127.0.0.0", 8),
    ("::1", 128),
    ("10.0.0.0", 8),
    ("172.16.0.0", 12),
    ("192.168.0.0", 16),
    ("fc00::", 7),
];
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A CA that signs leaf certificates.
pub(super) struct Ca {
    /// Its certificate in PEM, what a client adds to its trust store.
    pub(super) pem: String,
    /// The same certificate in DER.
    pub(super) der: CertificateDer<'static>,
    /// Its name and key, what signing a leaf needs.
    pub(super) issuer: Issuer<'static, KeyPair>,
    /// The certificate file it was loaded from; `None` when made in this run.
    pub(super) kept_at: Option<PathBuf>,
}

/// Makes `params` valid from a day ago (so a client whose clock is a little behind accepts
/// it) for `lifetime`.
pub(super) fn valid_from_yesterday(params: &mut CertificateParams, lifetime: Duration) {
    let now = SystemTime::now();
    params.not_before = (now - DAY).into();
    params.not_after = (now + lifetime).into();
}

/// Maps rcgen's failure to make something to [`TlsError::Generate`].
pub(super) fn generating(what: &'static str) -> impl FnOnce(rcgen::Error) -> TlsError {
    move |source| TlsError::Generate { what, source }
}

/// The parameters of every CA this program makes.
///
/// A CA loaded from a state folder signs through these same parameters rather than ones read
/// back from its certificate (that needs rcgen's `x509-parser`, a dozen more crates), so a
/// leaf's issuer name matches the kept certificate's subject only when that certificate was
/// made here: `leaf::check_issued` proves it once per start.
fn params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, NAME);
    name.push(DnType::OrganizationName, "exchange-um-mock");
    params.distinguished_name = name;
    // It signs leaves only, never another CA.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// What a generated CA may vouch for: users import it into trust stores, so it must not be
/// able to vouch for a bank. `localhost` and `.localhost`, `fqdn` and its parent domain (when
/// that is not a top-level domain), each of `hosts`, loopback and the private ranges. The
/// extension is critical, so a client that cannot check it refuses the CA rather than
/// trusting it for everything.
fn name_constraints(hosts: &[String], fqdn: &str) -> Result<NameConstraints, TlsError> {
    let mut permitted = vec![
        GeneralSubtree::DnsName("localhost".into()),
        GeneralSubtree::DnsName(".localhost".into()),
    ];
    let mut add = |subtree: GeneralSubtree| {
        if !permitted.contains(&subtree) {
            permitted.push(subtree);
        }
    };
    for (address, prefix) in TEST_RANGES {
        let address: IpAddr = address.parse().expect("the test ranges are IP addresses");
        add(GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
            address, prefix,
        )));
    }
    for host in hosts.iter().map(String::as_str).chain([fqdn]) {
        match names::san(host)? {
            Some(SanType::DnsName(name)) => add(GeneralSubtree::DnsName(name.to_string())),
            Some(SanType::IpAddress(ip)) => {
                let whole = if ip.is_ipv4() { 32 } else { 128 };
                add(GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
                    ip, whole,
                )));
            }
            _ => {}
        }
    }
    if let Some(SanType::DnsName(name)) = names::san(fqdn)? {
        let name = name.to_string();
        // `um01.contoso.com` permits `contoso.com`; `um01.com` never permits `com`.
        if let Some((_, parent)) = name.split_once('.').filter(|(_, p)| p.contains('.')) {
            add(GeneralSubtree::DnsName(parent.to_owned()));
        }
    }
    Ok(NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: Vec::new(),
    })
}

impl Ca {
    /// A new CA with a new ECDSA P-256 key, constrained to the names of
    /// [`name_constraints`].
    pub(super) fn generate(hosts: &[String], fqdn: &str) -> Result<Ca, TlsError> {
        let key = KeyPair::generate().map_err(generating("CA key"))?;
        let mut params = params();
        params.name_constraints = Some(name_constraints(hosts, fqdn)?);
        valid_from_yesterday(&mut params, LIFETIME);
        let cert = params
            .self_signed(&key)
            .map_err(generating("CA certificate"))?;
        Ok(Ca {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            kept_at: None,
        })
    }

    /// The CA kept in `dir`, or a new one written there when `dir` holds neither file.
    ///
    /// One file without the other, or a file that does not parse, is an error naming it:
    /// regenerating silently would break every client that trusts the kept CA. Two processes
    /// creating the same folder at once may each write a CA; each file is whole (renamed into
    /// place), and a mixed pair is reported at the next start as a key mismatch.
    ///
    /// The folder and the files are checked first, as ssh checks `~/.ssh` (see
    /// `state.rs`): nobody but the user may be able to plant a CA there or aim a symlink
    /// at a file for the key to be written over.
    pub(super) fn kept_in(
        dir: &Path,
        hosts: &[String],
        fqdn: &str,
        provider: &CryptoProvider,
    ) -> Result<Ca, TlsError> {
        state::prepare_dir(dir)?;
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        match (state::entry(&cert_path)?, state::entry(&key_path)?) {
            (true, true) => Ca::load(cert_path, &key_path, provider),
            (false, false) => {
                let ca = Ca::generate(hosts, fqdn)?;
                ca.save(&cert_path, &key_path)?;
                Ok(ca)
            }
            (true, false) => Err(TlsError::IncompleteState {
                present: cert_path,
                missing: key_path,
            }),
            (false, true) => Err(TlsError::IncompleteState {
                present: key_path,
                missing: cert_path,
            }),
        }
    }

    fn load(
        cert_path: PathBuf,
        key_path: &Path,
        provider: &CryptoProvider,
    ) -> Result<Ca, TlsError> {
        let cert_pem = pem::read(&cert_path)?;
        // `certificates` never returns an empty list; the first certificate is the CA.
        let der = pem::certificates(&cert_path, &cert_pem)?.swap_remove(0);
        let key_der = pem::private_key(key_path, &pem::read(key_path)?)?;
        // rcgen signs without looking at the certificate, so a key from another CA would make
        // leaves no client accepts; rustls compares the two public keys.
        CertifiedKey::from_der(vec![der.clone()], key_der.clone_key(), provider)
            .map_err(|source| TlsError::from_rustls(&cert_path, key_path, source))?;
        let key = KeyPair::try_from(&key_der).map_err(|source| TlsError::StateKey {
            path: key_path.to_owned(),
            source,
        })?;
        Ok(Ca {
            // PEM is ASCII; anything else around the sections is kept as it was.
            pem: String::from_utf8_lossy(&cert_pem).into_owned(),
            der,
            issuer: Issuer::new(params(), key),
            kept_at: Some(cert_path),
        })
    }

    /// Writes the key, then the certificate, each through a temporary file renamed into
    /// place, so a crash leaves no half-written file (at worst the key alone, which the next
    /// start reports).
    fn save(&self, cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
        state::write_new(
            key_path,
            self.issuer.key().serialize_pem().as_bytes(),
            0o600,
        )?;
        state::write_new(cert_path, self.pem.as_bytes(), 0o644)
    }
}
