//! The certificate authority that signs generated leaf certificates: made fresh at each
//! start, or kept in a state folder (`--tls-state DIR`) so that a client trusts it once.

use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::{pem, TlsError};

/// The CA certificate's file in a state folder.
const CERT_FILE: &str = "ca.pem";
/// The CA private key's file (PKCS#8 PEM) in a state folder.
const KEY_FILE: &str = "ca.key";

/// The CA's common name, what a user sees in a trust store.
const NAME: &str = "exchange-um-mock CA";
/// Long enough that a kept CA outlives any test setup; it can be trusted once.
const LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A CA that signs leaf certificates.
pub(super) struct Ca {
    /// Its certificate in PEM, what a client adds to its trust store.
    pub(super) pem: String,
    /// The same certificate in DER.
    der: CertificateDer<'static>,
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
/// made here: [`Ca::check_issued`] proves it once per start.
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

impl Ca {
    /// A new CA with a new ECDSA P-256 key.
    pub(super) fn generate() -> Result<Ca, TlsError> {
        let key = KeyPair::generate().map_err(generating("CA key"))?;
        let mut params = params();
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
    pub(super) fn kept_in(dir: &Path, provider: &CryptoProvider) -> Result<Ca, TlsError> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        match (exists(&cert_path)?, exists(&key_path)?) {
            (true, true) => Ca::load(cert_path, &key_path, provider),
            (false, false) => {
                let ca = Ca::generate()?;
                ca.save(dir, &cert_path, &key_path)?;
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
    fn save(&self, dir: &Path, cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
        fs::create_dir_all(dir).map_err(|source| TlsError::Write {
            path: dir.to_owned(),
            source,
        })?;
        write_atomically(key_path, self.issuer.key().serialize_pem().as_bytes(), true)?;
        write_atomically(cert_path, self.pem.as_bytes(), false)
    }

    /// Checks that `leaf`, just signed by a CA loaded from `path`, verifies against that CA's
    /// certificate, as a client will check it.
    pub(super) fn check_issued(
        &self,
        path: &Path,
        leaf: &CertificateDer<'static>,
        provider: &Arc<CryptoProvider>,
    ) -> Result<(), TlsError> {
        let unusable = |source| TlsError::UnusableCa {
            path: path.to_owned(),
            source,
        };
        let mut roots = RootCertStore::empty();
        roots.add(self.der.clone()).map_err(unusable)?;
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .expect("the root store holds the one CA just added, and no CRLs are given");
        // Every generated leaf names 127.0.0.1.
        let name = ServerName::from(IpAddr::V4(Ipv4Addr::LOCALHOST));
        verifier
            .verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(unusable)
    }
}

/// Whether `path` exists; an error (a folder that cannot be searched) names it.
fn exists(path: &Path) -> Result<bool, TlsError> {
    path.try_exists().map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes `contents` to `path` through `path.tmp-PID`; a `private` file is readable by its
/// owner only (on unix).
fn write_atomically(path: &Path, contents: &[u8], private: bool) -> Result<(), TlsError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = create(&tmp, private)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .map_err(|source| TlsError::Write {
            path: tmp.clone(),
            source,
        });
    if let Err(err) = written {
        // Best effort: the error about the write is the one worth reporting.
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    fs::rename(&tmp, path).map_err(|source| TlsError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(unix)]
fn create(path: &Path, private: bool) -> io::Result<fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if !private {
        return options.open(path);
    }
    let file = options.mode(0o600).open(path)?;
    // `mode` applies only when the file is created; a stale temporary file keeps its own.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(not(unix))]
fn create(path: &Path, _private: bool) -> io::Result<fs::File> {
    fs::File::create(path)
}
