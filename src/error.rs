//! Errors of start-up and fixture loading. Requests never produce these: a bad request is a
//! SOAP fault or a JSON error.

use std::fmt;
use std::path::PathBuf;

/// One problem in a fixtures folder: `FILE: JSON-PATH: problem`.
///
/// ```
/// use exchange_um_mock::FixtureSet;
///
/// // Arrange
/// let set = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "policy": "Nope"}]}"#);
///
/// // Act
/// let problems = set.validate().unwrap_err();
///
/// // Assert: each problem names its file and JSON path.
/// assert_eq!(problems[0].file, "mock.json");
/// assert!(problems[0].to_string().starts_with("mock.json: mailboxes[0].policy: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the fixtures folder (`mock.json`, `responses/ResetPIN/x.xml`).
    pub file: String,
    /// Where in the file (`mailboxes[2].policy`); empty for the file as a whole.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() && self.path.is_empty() {
            // About the folder as a whole (it could not be read): the message names it.
            write!(f, "{}", self.message)
        } else if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.path, self.message)
        }
    }
}

/// Why a server could not start or fixtures could not be loaded.
///
/// ```
/// use exchange_um_mock::{Error, FixtureSet, UmMockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let broken = FixtureSet::from_mock_json("{ not json");
///
/// // Act
/// let started = UmMockServer::builder().fixtures(broken).start().await;
///
/// // Assert
/// assert!(matches!(started, Err(Error::Fixtures(_))));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The fixtures have problems; every one is listed.
    #[error("the fixtures have {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Fixtures(Vec<Problem>),
    /// A fixtures folder or file could not be read.
    #[error("cannot read fixtures at {path}: {source}")]
    ReadFixtures {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket could not be set up.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address asked for.
        address: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate of the `https://` listeners could not be read or made; the
    /// message names the file or host at fault.
    #[error("cannot set up TLS: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// `watch` could not set up a watch on the fixtures folder (or there is no folder to
    /// watch); the message names the folder.
    #[error("cannot watch the fixtures: {0}")]
    Watch(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The server's thread or runtime could not be started.
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
