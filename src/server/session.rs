//! [`UmSession`]: a session of a running server, for a test of its own: an isolated double
//! under `/sessions/ID`, ended when the handle is dropped.

use std::ops::Deref;
use std::sync::Arc;

use super::UmMockServer;
use crate::double::UmDouble;
use crate::error::Error;
use crate::fixtures::FixtureSet;
use crate::state::{Doubles, NewSession, Session, SessionRefusal, StartFrom};
use crate::vocab::paths::SERVICE_PATH_2010;

/// One session of a [`UmMockServer`]: a whole double of its own (mailboxes, scenarios, emails,
/// journal, clock, PIN generator, expectations) served under `/sessions/ID` on the same port,
/// so tests running in parallel against one server never see each other. It dereferences to
/// [`UmDouble`], as the server does (`session.emails()`, `session.wait_for_email(…)`,
/// `session.expect(…)`…). Dropping it ends the session and checks its expectations.
///
/// ```
/// use exchange_um_mock::UmMockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange: one server, two tests' sessions.
/// let server = UmMockServer::start().await;
/// let mine = server.session().await.unwrap();
/// let theirs = server.session().await.unwrap();
///
/// // Act: a ResetPIN in one session.
/// let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
/// let status = reqwest::Client::new()
///     .post(mine.service_url())
///     .basic_auth("alice@contoso.com", Some("any password"))
///     .header("Content-Type", "text/xml; charset=utf-8")
///     .body(envelope)
///     .send()
///     .await
///     .unwrap()
///     .status();
///
/// // Assert: the email is in that session only.
/// assert_eq!(status, 200);
/// assert_eq!(mine.emails().len(), 1);
/// assert!(theirs.emails().is_empty());
/// assert!(server.emails().is_empty());
/// # }
/// ```
#[derive(Debug)]
pub struct UmSession {
    double: UmDouble,
    session: Arc<Session>,
    doubles: Doubles,
    /// `http://127.0.0.1:PORT/sessions/ID`
    uri: String,
}

impl UmMockServer {
    /// A new session on the server's fixtures as loaded, its PINs following the server's seed.
    ///
    /// # Errors
    /// [`ErrorKind::TooManySessions`](crate::ErrorKind::TooManySessions) when
    /// [`max_sessions`](crate::UmMockServerBuilder::max_sessions) are alive already.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let session = server.session().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(session.uri(), format!("{}/sessions/{}", server.uri(), session.id()));
    /// assert!(session.mailbox("alice@contoso.com").is_some());
    /// # }
    /// ```
    pub async fn session(&self) -> Result<UmSession, Error> {
        self.session_with(None, None).await
    }

    /// A new session on `fixtures` (the server's when `None`), its PINs generated from `seed`
    /// (the server's seed when `None`): with seed N, the PINs a server started with seed N gives.
    ///
    /// # Errors
    /// [`ErrorKind::Fixtures`](crate::ErrorKind::Fixtures) with every problem of `fixtures`;
    /// [`ErrorKind::TooManySessions`](crate::ErrorKind::TooManySessions) at the cap.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// let fixtures = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}]}"#);
    ///
    /// // Act
    /// let session = server.session_with(fixtures, 7).await.unwrap();
    ///
    /// // Assert: its own mailboxes, not the server's.
    /// assert_eq!(session.mailboxes().len(), 1);
    /// assert!(session.mailbox("alice@contoso.com").is_none());
    /// # }
    /// ```
    pub async fn session_with(
        &self,
        fixtures: impl Into<Option<FixtureSet>>,
        seed: impl Into<Option<u64>>,
    ) -> Result<UmSession, Error> {
        let ask = NewSession {
            name: None,
            seed: seed.into(),
            fixtures: fixtures.into().map_or(StartFrom::Server, StartFrom::Set),
        };
        let session = self
            .doubles
            .create(ask, &self.uri())
            .map_err(|refusal| match refusal {
                SessionRefusal::Full(max) => Error::too_many_sessions(format!(
                    "there are {max} sessions already, as many as max_sessions allows"
                )),
                SessionRefusal::Problems(problems) => Error::fixtures(problems),
            })?;
        Ok(UmSession {
            double: UmDouble::new(session.double().clone(), self.double.runtime()),
            uri: format!("{}{}", self.uri(), session.prefix()),
            doubles: self.doubles.clone(),
            session,
        })
    }
}

impl UmSession {
    /// The session's id: its prefix is `/sessions/ID`.
    pub fn id(&self) -> &str {
        self.session.id()
    }

    /// `http://127.0.0.1:PORT/sessions/ID`: the session's base URL, in front of every path
    /// the server serves (`/__admin/…` included).
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// The UM endpoint URL to give the client app under test:
    /// `http://127.0.0.1:PORT/sessions/ID/EWS/UM2007Legacy.asmx`.
    pub fn service_url(&self) -> String {
        format!("{}{SERVICE_PATH_2010}", self.uri)
    }
}

impl Deref for UmSession {
    type Target = UmDouble;

    fn deref(&self) -> &UmDouble {
        &self.double
    }
}

impl Drop for UmSession {
    /// Ends the session (its URLs answer 404 from now on), then checks its expectations: an
    /// unmet one panics with its report, unless the test is already panicking.
    fn drop(&mut self) {
        self.doubles.end(self.session.id());
        self.double.verify_on_drop();
    }
}
