//! Why TLS could not be set up. Each variant names the file (or host) it is about and keeps
//! the underlying error as its `source`, so the one-paragraph start-up error says what to fix.

use std::io;
use std::path::{Path, PathBuf};

/// Why [`prepare`](super::prepare) could not make a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsError {
    /// A certificate, key or state file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A certificate, key or state file that is not a regular file, or is too large to be a
    /// certificate: never opened or read whole.
    #[error("{path} {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What it is ("is a device, not a regular file; it is never opened").
        reason: String,
    },
    /// A file is not well-formed PEM (a section without its end line, bad base64…).
    #[error("{path} is not valid PEM: {source}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What the PEM reader found.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// A certificate file holds no `CERTIFICATE` section.
    #[error("{path} holds no certificate (no -----BEGIN CERTIFICATE----- section)")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A key file holds no private key section.
    #[error(
        "{path} holds no private key (expected a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY section)"
    )]
    NoPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// The private key is not the one the certificate was issued for.
    #[error("the private key in {key} does not belong to the first certificate in {cert}")]
    KeyMismatch {
        /// The certificate file (its first certificate is the one compared).
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the certificate or key (an unsupported key type, a certificate it
    /// cannot parse).
    #[error("cannot use the certificate in {cert} with the key in {key}: {source}")]
    Rejected {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// A state folder holds one of the CA files but not the other.
    #[error(
        "{present} exists but {missing} does not; remove {present} to have a new CA generated"
    )]
    IncompleteState {
        /// The file that is there.
        present: PathBuf,
        /// The file that is missing.
        missing: PathBuf,
    },
    /// The kept CA key is a private key, but not one that can sign certificates here (only
    /// PKCS#8 ECDSA P-256/P-384 and Ed25519 keys can).
    #[error("cannot sign with the CA key in {path}: {source}")]
    StateKey {
        /// The key file.
        path: PathBuf,
        /// rcgen's reason.
        #[source]
        source: rcgen::Error,
    },
    /// The kept CA certificate does not verify a leaf signed with its key: it was made by
    /// another tool (its subject differs), is not a CA, or has expired.
    #[error(
        "the CA in {path} does not vouch for a leaf signed with its key ({source}); only an unexpired CA made by exchange-um-mock can be kept"
    )]
    UnusableCa {
        /// The CA certificate file.
        path: PathBuf,
        /// Why a freshly signed leaf does not verify against it.
        #[source]
        source: rustls::Error,
    },
    /// A state folder that others could change, or a file in it that is a symlink or is not
    /// the user's: a CA kept there is trusted by clients, so it is never used or written.
    #[error(
        "refusing the TLS state folder: {path} {reason}. Clients trust the CA kept there, so only its owner may be able to change it (as ssh checks ~/.ssh): fix the folder (chmod go-w, remove what another user or a symlink put there) or give --tls-state a folder of your own"
    )]
    UnsafeState {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong with it ("is writable by its group or by everyone").
        reason: String,
    },
    /// A kept CA whose name constraints do not permit a host the leaf must name (they were
    /// set when the CA was made, for the hosts of that start).
    #[error(
        "the CA kept in {path} may not vouch for {host}: its name constraints were set for the hosts of the start that made it; remove {path} and its key to have a new CA made ({source})"
    )]
    HostNotPermitted {
        /// The CA certificate file.
        path: PathBuf,
        /// The host the leaf names.
        host: String,
        /// Why the leaf does not verify for that host.
        #[source]
        source: rustls::Error,
    },
    /// A state folder or file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A host given for the certificate is neither an IP address nor an ASCII DNS name.
    #[error("cannot put host {host:?} in a certificate: {source}")]
    Host {
        /// The host as given.
        host: String,
        /// rcgen's reason.
        #[source]
        source: rcgen::Error,
    },
    /// Generating a key or signing a certificate failed (a failure of the random source or
    /// of ring; not caused by input).
    #[error("cannot generate the {what}: {source}")]
    Generate {
        /// `CA key`, `CA certificate`, `leaf key`, `leaf certificate`.
        what: &'static str,
        /// rcgen's reason.
        #[source]
        source: rcgen::Error,
    },
}

impl TlsError {
    /// What rustls's refusal of the certificate in `cert` with the key in `key` means for the
    /// user: a key that belongs to another certificate gets its own message.
    pub(super) fn from_rustls(cert: &Path, key: &Path, source: rustls::Error) -> TlsError {
        match source {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::KeyMismatch {
                    cert: cert.to_owned(),
                    key: key.to_owned(),
                }
            }
            source => TlsError::Rejected {
                cert: cert.to_owned(),
                key: key.to_owned(),
                source,
            },
        }
    }
}
