//! `--smtp-relay`: every captured email is also delivered by SMTP, with lettre, to a real
//! server (Mailpit, smtp4dev, a test mailbox). The world hands each email over as it is
//! captured (`state/relay.rs`); [`serving`] runs the worker beside the listeners; a delivery
//! (`deliver.rs`) is tried and tried again on its own task, and reports each change back
//! through the world lock. No request ever waits for any of it.

mod deliver;
mod url;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio::sync::mpsc;

use self::url::RelayUrl;
use crate::error::Error;
use crate::state::relay::Job;
use crate::state::Shared;

/// The relay as the builder was given it: the URL, a CA to trust, the back-off.
#[derive(Debug, Clone)]
pub(crate) struct RelaySettings {
    pub(crate) url: String,
    /// PEM text of one or more CA certificates trusted besides the built-in roots.
    pub(crate) ca_pem: Option<Vec<u8>>,
    /// A file of them, read at start (`--smtp-relay-ca`).
    pub(crate) ca_file: Option<std::path::PathBuf>,
    pub(crate) schedule: Schedule,
}

/// When tries are made: the waits between them, and the bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// The wait after the first, second and third failed try (1 s, 3 s, 9 s by default).
    pub(crate) backoff: [Duration; 3],
    /// How long a try may go without an answer.
    pub(crate) answer_timeout: Duration,
    /// No try starts later than this after the capture.
    pub(crate) window: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::from_backoff(Duration::from_secs(1))
    }
}

impl Schedule {
    /// Waits of `base`, 3 × `base` and 9 × `base` between the tries.
    pub(crate) fn from_backoff(base: Duration) -> Self {
        Schedule {
            backoff: [base, base * 3, base * 9],
            answer_timeout: Duration::from_secs(10),
            window: Duration::from_secs(30),
        }
    }
}

impl RelaySettings {
    pub(crate) fn new(url: String) -> Self {
        RelaySettings {
            url,
            ca_pem: None,
            ca_file: None,
            schedule: Schedule::default(),
        }
    }

    /// The relay ready to run: the URL read and the transport built; an error names what is
    /// wrong with the URL or the CA.
    pub(crate) fn prepare(&self) -> Result<Relay, Error> {
        if self.url.is_empty() {
            return Err(Error::relay(
                "a CA or back-off was given but no relay URL (smtp_relay, --smtp-relay)",
            ));
        }
        let url = RelayUrl::parse(&self.url).map_err(Error::relay)?;
        let mut tls = TlsParameters::builder(url.host.clone());
        // Read as every file the double is given is read: a regular file of at most 16 MiB,
        // so a FIFO or `/dev/zero` named as the CA never blocks or fills memory.
        let from_file = match &self.ca_file {
            Some(path) => Some(crate::vocab::file::read_bounded(path).map_err(|error| {
                Error::relay(format!("cannot read the CA {}: {error}", path.display()))
            })?),
            None => None,
        };
        if let Some(pem) = from_file.as_ref().or(self.ca_pem.as_ref()) {
            let found = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::relay(format!("the CA is not PEM certificates: {e}")))?;
            if found.is_empty() {
                return Err(Error::relay("the CA holds no PEM certificate"));
            }
            let ca = Certificate::from_pem(pem).map_err(|e| Error::relay(e.to_string()))?;
            tls = tls.add_root_certificate(ca);
        }
        let tls = tls
            .build_rustls()
            .map_err(|e| Error::relay(e.to_string()))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host)
            .port(url.port)
            .timeout(Some(self.schedule.answer_timeout))
            .tls(if url.implicit_tls {
                Tls::Wrapper(tls)
            } else {
                // STARTTLS when the server offers it, plain otherwise: a local Mailpit or
                // smtp4dev usually offers none.
                Tls::Opportunistic(tls)
            });
        if let Some((user, password)) = url.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Relay {
            transport: Arc::new(builder.build()),
            schedule: self.schedule.clone(),
        })
    }
}

/// A relay ready to deliver.
#[derive(Clone)]
pub(crate) struct Relay {
    transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    schedule: Schedule,
}

impl Relay {
    /// Relays every email `shared` captures from now on (before any listener accepts, so none
    /// is missed); the deliveries start when [`serving`] runs the worker.
    pub(crate) fn attach(self, shared: &Shared) -> Worker {
        Worker {
            jobs: shared.start_relay(),
            relay: self,
        }
    }
}

/// The relay attached to a state, waiting for [`serving`] to run it.
pub(crate) struct Worker {
    relay: Relay,
    /// Every double's deliveries (the root's and its sessions'), each job naming its double.
    jobs: mpsc::UnboundedReceiver<Job>,
}

/// Runs `serve` and, when there is a relay, its worker beside it on the same runtime; the
/// worker stops (abandoning deliveries still pending) when `serve` has finished.
pub(crate) async fn serving(worker: Option<Worker>, serve: impl Future<Output = ()>) {
    let Some(worker) = worker else {
        return serve.await;
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(deliver::work(worker, async {
        let _ = stop_rx.await;
    }));
    serve.await;
    let _ = stop_tx.send(());
    let _ = task.await;
}
