//! Reading certificates and private keys from PEM files, for the user's `--tls-cert` /
//! `--tls-key` pair and for the CA kept in a state folder alike.
//!
//! The file is read whole first, so that "cannot read" (with the I/O error) and "holds no
//! certificate" stay two different, clear errors.

use std::path::Path;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsError;
use crate::vocab::file::{self, FileError};

/// The bytes of `path`: a regular file (a symlink to one is fine) of at most 16 MiB, so a
/// FIFO or `/dev/zero` named as a certificate never blocks or fills memory.
pub(super) fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    file::read_bounded(path).map_err(|error| match error {
        FileError::Io(source) => TlsError::Read {
            path: path.to_owned(),
            source,
        },
        refused => TlsError::Unreadable {
            path: path.to_owned(),
            reason: refused.to_string(),
        },
    })
}

/// Every certificate in `pem` (read from `path`), in file order: for a chain, the leaf
/// first. Sections of other kinds (a key kept in the same file) are skipped.
pub(super) fn certificates(
    path: &Path,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            path: path.to_owned(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(chain)
}

/// The first private key in `pem` (read from `path`): PKCS#8 (`PRIVATE KEY`), PKCS#1
/// (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`).
pub(super) fn private_key(path: &Path, pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey {
            path: path.to_owned(),
        },
        source => TlsError::Pem {
            path: path.to_owned(),
            source,
        },
    })
}

/// The certificate chain in the file `cert` and the private key in the file `key`.
pub(super) fn read_pair(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let chain = certificates(cert, &read(cert)?)?;
    let private_key = private_key(key, &read(key)?)?;
    Ok((chain, private_key))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn path() -> PathBuf {
        PathBuf::from("/somewhere/server.pem")
    }

    #[test]
    fn a_file_without_a_certificate_section_says_so_with_its_path() {
        let err = certificates(&path(), b"just some text\n").unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "/somewhere/server.pem holds no certificate (no -----BEGIN CERTIFICATE----- section)"
        );
    }

    #[test]
    fn a_certificate_section_without_its_end_line_is_a_pem_error_with_the_path() {
        let err = certificates(&path(), b"-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap_err();
        assert!(matches!(err, TlsError::Pem { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("/somewhere/server.pem is not valid PEM: "));
    }

    #[test]
    fn a_file_with_only_a_certificate_holds_no_private_key() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = private_key(&path(), pem).unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err:?}");
        assert!(err
            .to_string()
            .contains("/somewhere/server.pem holds no private key"));
    }

    #[test]
    fn each_of_the_three_private_key_labels_is_recognised() {
        for (label, pkcs8, pkcs1, sec1) in [
            ("PRIVATE KEY", true, false, false),
            ("RSA PRIVATE KEY", false, true, false),
            ("EC PRIVATE KEY", false, false, true),
        ] {
            let pem = format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
            let key = private_key(&path(), pem.as_bytes()).unwrap();
            assert_eq!(matches!(key, PrivateKeyDer::Pkcs8(_)), pkcs8, "{label}");
            assert_eq!(matches!(key, PrivateKeyDer::Pkcs1(_)), pkcs1, "{label}");
            assert_eq!(matches!(key, PrivateKeyDer::Sec1(_)), sec1, "{label}");
        }
    }
}
