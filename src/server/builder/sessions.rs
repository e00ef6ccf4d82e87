//! The builder's bounds on sessions (`POST /__admin/sessions`, [`UmMockServer::session`]).

use super::UmMockServerBuilder;
#[cfg(doc)]
use crate::server::UmMockServer;

impl UmMockServerBuilder {
    /// The most sessions alive at once (default 100); creating one more is refused (409, or
    /// an error from [`UmMockServer::session`]).
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::builder().max_sessions(1).start().await.unwrap();
    /// let _first = server.session().await.unwrap();
    ///
    /// // Act
    /// let second = server.session().await;
    ///
    /// // Assert
    /// assert_eq!(second.unwrap_err().kind(), ErrorKind::TooManySessions);
    /// # }
    /// ```
    pub fn max_sessions(mut self, count: usize) -> Self {
        self.sessions.max = count;
        self
    }

    /// How long a session may go without a request under its prefix before it ends by itself
    /// (default 30 minutes); it ends within a second of that.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().session_idle(std::time::Duration::from_secs(60)).start().await.unwrap();
    ///
    /// // Assert
    /// assert!(server.session().await.is_ok());
    /// # }
    /// ```
    pub fn session_idle(mut self, idle: std::time::Duration) -> Self {
        self.sessions.idle = idle;
        self
    }

    /// The most bytes of bodies, headers, paths and reasons a session's journal holds (default 4 MiB); its
    /// other stores have the server's caps.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().session_max_journal_bytes(1024 * 1024).start().await.unwrap();
    ///
    /// // Assert
    /// assert!(server.session().await.is_ok());
    /// # }
    /// ```
    pub fn session_max_journal_bytes(mut self, bytes: usize) -> Self {
        self.sessions.max_journal_bytes = bytes;
        self
    }
}
