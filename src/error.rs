//! The library's one error type. Requests to the server never produce it: a bad request is a
//! SOAP fault or a JSON error. It comes from starting a server, loading fixtures, and the
//! library's own calls (a scenario or a mailbox change refused, a phone logon to nobody, an
//! email that never came).

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// A boxed cause, as [`std::error::Error::source`] hands it out.
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// One problem: with a file and a path inside it when it is in a fixture set
/// (`FILE: JSON-PATH: problem`), with only a path when it is in a value given at run time
/// (`outcomes[0].fixture: problem`), or a sentence on its own.
///
/// ```
/// use exchange_um_mock::FixtureSet;
///
/// // Arrange
/// let set = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "policy": "Nope"}]}"#);
///
/// // Act
/// let error = set.validate().unwrap_err();
///
/// // Assert: each problem names its file and JSON path.
/// let problems = error.problems();
/// assert_eq!(problems[0].file, "mock.json");
/// assert!(problems[0].to_string().starts_with("mock.json: mailboxes[0].policy: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The file, relative to the fixtures folder (`mock.json`, `responses/ResetPIN/x.xml`);
    /// empty when the problem is not in a fixture file (a scenario, a mailbox change, a PIN,
    /// or a folder that could not be read).
    pub file: String,
    /// Where in the file or value (`mailboxes[2].policy`); empty for the thing as a whole.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem at `path` in something that is not a fixture file.
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            file: String::new(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// A problem that is a sentence on its own.
    pub(crate) fn whole(message: impl Into<String>) -> Self {
        Problem::at("", message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in [&self.file, &self.path] {
            if !part.is_empty() {
                write!(f, "{part}: ")?;
            }
        }
        f.write_str(&self.message)
    }
}

/// What kind of thing went wrong, for a caller that branches on it; the
/// [`problems`](Error::problems) say what exactly. More kinds may come, so a `match` needs a
/// wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The fixtures have problems; every one is listed, each with its file and path.
    Fixtures,
    /// A fixtures folder or file could not be read.
    ReadFixtures,
    /// The listening socket could not be set up.
    Listen,
    /// The TLS certificate of the `https://` listeners could not be read or made; the
    /// problem names the file or host at fault.
    Tls,
    /// The fixtures folder could not be watched (or there is no folder to watch).
    Watch,
    /// The server's thread or runtime could not be started.
    Runtime,
    /// The SMTP relay (`--smtp-relay`) could not be set up: its URL or its CA is wrong; the
    /// problem says which.
    Relay,
    /// A value given at run time was refused (a scenario, a mailbox change, a PIN that is
    /// not digits, a new PIN the policy refuses); every reason is listed and nothing changed.
    Invalid,
    /// No mailbox has the address given.
    NoMailbox,
    /// The old PIN given to a PIN change did not sign in; the logon was counted.
    NotSignedIn,
    /// Too many scenarios can still give an outcome, or together they would hold more than
    /// 64 MiB of outcome bodies, headers and messages; remove some first.
    TooManyScenarios,
    /// `max_sessions` sessions are alive already; end one first.
    TooManySessions,
    /// No email to the address arrived in the time given.
    Timeout,
    /// The server stopped while waiting.
    Stopped,
}

/// Why the library could not do what it was asked: a server that could not start, fixtures
/// that could not be loaded, a change refused. [`kind`](Error::kind) says what kind of thing
/// went wrong, [`problems`](Error::problems) lists every problem (each with its path where it
/// has one), and `Display` shows them all.
///
/// ```
/// use exchange_um_mock::{ErrorKind, FixtureSet, UmMockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let broken = FixtureSet::from_mock_json("{ not json");
///
/// // Act
/// let error = UmMockServer::builder().fixtures(broken).start().await.unwrap_err();
///
/// // Assert
/// assert_eq!(error.kind(), ErrorKind::Fixtures);
/// assert_eq!(error.problems()[0].file, "mock.json");
/// assert!(error.to_string().starts_with("the fixtures have 1 problem(s):\n  mock.json: "));
/// # }
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    /// Never empty: a single cause is one problem.
    problems: Vec<Problem>,
    /// What the problems were found in (`the scenario was not added`), shown before them.
    summary: Option<&'static str>,
    source: Option<Source>,
}

impl Error {
    /// What kind of thing went wrong.
    ///
    /// ```
    /// use std::time::Duration;
    /// use exchange_um_mock::{ErrorKind, UmMockServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act: nobody resets a PIN.
    /// let waited = server.wait_for_email("alice@contoso.com", Duration::from_millis(10)).await;
    ///
    /// // Assert
    /// assert_eq!(waited.unwrap_err().kind(), ErrorKind::Timeout);
    /// # }
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Every problem, in the order found; at least one.
    ///
    /// ```
    /// use exchange_um_mock::{ErrorKind, Outcome, Scenario, UmMockServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act: a scenario naming a canned response that does not exist.
    /// let error = server
    ///     .add_scenario(Scenario::new("alice@contoso.com", "ResetPIN").outcome(Outcome::fixture("ResetPIN/nope")))
    ///     .unwrap_err();
    ///
    /// // Assert: the problem says where it is in the scenario.
    /// assert_eq!(error.kind(), ErrorKind::Invalid);
    /// assert_eq!(error.problems()[0].path, "outcomes[0].fixture");
    /// # }
    /// ```
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn new(kind: ErrorKind, problems: Vec<Problem>) -> Self {
        debug_assert!(!problems.is_empty(), "an error has at least one problem");
        Error {
            kind,
            problems,
            summary: None,
            source: None,
        }
    }

    fn one(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::new(kind, vec![Problem::whole(message)])
    }

    fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The fixtures have these problems.
    pub(crate) fn fixtures(problems: Vec<Problem>) -> Self {
        Error::new(ErrorKind::Fixtures, problems)
    }

    /// `path` (a fixtures folder or a file in it) could not be read.
    pub(crate) fn read_fixtures(path: &Path, source: std::io::Error) -> Self {
        Error::one(
            ErrorKind::ReadFixtures,
            format!("cannot read fixtures at {}: {source}", path.display()),
        )
        .with_source(source)
    }

    /// The socket for `address` could not be set up.
    pub(crate) fn listen(address: impl fmt::Display, source: std::io::Error) -> Self {
        Error::one(
            ErrorKind::Listen,
            format!("cannot listen on {address}: {source}"),
        )
        .with_source(source)
    }

    /// TLS could not be set up; `source` (an error or a sentence) names the file or host.
    pub(crate) fn tls(source: impl Into<Source>) -> Self {
        let source = source.into();
        Error::one(ErrorKind::Tls, format!("cannot set up TLS: {source}")).with_source(source)
    }

    /// The fixtures cannot be watched; `source` (an error or a sentence) names the folder.
    pub(crate) fn watch(source: impl Into<Source>) -> Self {
        let source = source.into();
        Error::one(
            ErrorKind::Watch,
            format!("cannot watch the fixtures: {source}"),
        )
        .with_source(source)
    }

    /// The SMTP relay could not be set up; `source` (an error or a sentence) says what is
    /// wrong with its URL or CA.
    #[cfg(feature = "smtp")]
    pub(crate) fn relay(source: impl Into<Source>) -> Self {
        let source = source.into();
        Error::one(
            ErrorKind::Relay,
            format!("cannot set up the SMTP relay: {source}"),
        )
        .with_source(source)
    }

    /// The server's thread or runtime could not be started.
    pub(crate) fn runtime(source: std::io::Error) -> Self {
        Error::one(
            ErrorKind::Runtime,
            format!("cannot start the server runtime: {source}"),
        )
        .with_source(source)
    }

    /// A value given at run time was refused; `summary` says what did not happen.
    pub(crate) fn invalid(summary: &'static str, problems: Vec<Problem>) -> Self {
        Error {
            summary: Some(summary),
            ..Error::new(ErrorKind::Invalid, problems)
        }
    }

    /// No mailbox has `address`.
    pub(crate) fn no_mailbox(address: &str) -> Self {
        Error::one(ErrorKind::NoMailbox, format!("no mailbox '{address}'"))
    }

    /// The old PIN of a PIN change did not sign in; `message` says how the logon went.
    pub(crate) fn not_signed_in(message: String) -> Self {
        Error::one(ErrorKind::NotSignedIn, message)
    }

    /// No more sessions can be created; `message` says how many there may be.
    pub(crate) fn too_many_sessions(message: String) -> Self {
        Error::one(ErrorKind::TooManySessions, message)
    }

    /// No more scenarios can be added; `message` says how many there may be.
    pub(crate) fn too_many_scenarios(message: String) -> Self {
        Error::one(ErrorKind::TooManyScenarios, message)
    }

    /// No email to `to` arrived within `waited`.
    pub(crate) fn timeout(to: &str, waited: Duration) -> Self {
        Error::one(
            ErrorKind::Timeout,
            format!("no email to {to} arrived within {waited:?}"),
        )
    }

    /// The server stopped while waiting for an email.
    pub(crate) fn stopped() -> Self {
        Error::one(
            ErrorKind::Stopped,
            "the server stopped while waiting for an email",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::Fixtures {
            // A fixture set can have dozens: one per line, as `exchange-um-mock validate`.
            write!(f, "the fixtures have {} problem(s):", self.problems.len())?;
            for problem in &self.problems {
                write!(f, "\n  {problem}")?;
            }
            return Ok(());
        }
        if let Some(summary) = self.summary {
            write!(f, "{summary}: ")?;
        }
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_shows_its_summary_and_every_problem_with_its_path() {
        let error = Error::invalid(
            "the scenario was not added",
            vec![
                Problem::at("outcomes[0].fixture", "no canned response 'x'"),
                Problem::whole("too long"),
            ],
        );

        assert_eq!(
            error.to_string(),
            "the scenario was not added: outcomes[0].fixture: no canned response 'x'; too long"
        );
    }

    #[test]
    fn an_io_failure_is_one_problem_naming_the_path_and_keeps_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");

        let error = Error::read_fixtures(Path::new("/nowhere"), io);

        assert_eq!(error.kind(), ErrorKind::ReadFixtures);
        assert_eq!(error.to_string(), "cannot read fixtures at /nowhere: gone");
        assert_eq!(error.problems().len(), 1);
        let source = std::error::Error::source(&error).expect("the I/O error is kept");
        assert_eq!(source.to_string(), "gone");
    }

    #[test]
    fn fixture_problems_are_listed_one_per_line() {
        let error = Error::fixtures(vec![
            Problem {
                file: "mock.json".into(),
                path: "mailboxes[0].policy".into(),
                message: "no policy 'Nope'".into(),
            },
            Problem {
                file: "responses/ResetPIN/x.xml".into(),
                path: String::new(),
                message: "not XML".into(),
            },
        ]);

        assert_eq!(
            error.to_string(),
            "the fixtures have 2 problem(s):\n  mock.json: mailboxes[0].policy: no policy 'Nope'\n  responses/ResetPIN/x.xml: not XML"
        );
    }
}
