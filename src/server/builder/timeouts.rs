//! The builder's connection clocks: the idle keep-alive limit, and the body and write-stall
//! limits tests shorten.

use super::UmMockServerBuilder;

impl UmMockServerBuilder {
    /// How long an idle keep-alive connection waits for its next request before the server
    /// closes it (default 120 s, as IIS). A request's headers must still arrive within 10 s
    /// of its first byte.
    /// ```
    /// # use exchange_um_mock::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange, Act
    /// let server = UmMockServer::builder().idle_timeout(std::time::Duration::from_secs(30)).start().await.unwrap();
    ///
    /// // Assert
    /// assert_eq!(reqwest::get(format!("{}/__admin/health", server.uri())).await.unwrap().status(), 200);
    /// # }
    /// ```
    pub fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.config.idle_timeout = timeout;
        self
    }

    /// How long a request body may go without a byte (30 s) and take in all after its
    /// headers (120 s) before the answer is 408. Hidden: tests shorten it; users have no
    /// reason to.
    #[doc(hidden)]
    pub fn body_timeouts(
        mut self,
        between_bytes: std::time::Duration,
        whole: std::time::Duration,
    ) -> Self {
        self.options.config.body_timeouts = crate::state::BodyTimeouts {
            between_bytes,
            whole,
        };
        self
    }

    /// How long an answer may wait for a client that takes none of its bytes (30 s) before
    /// the connection is dropped. Hidden: tests shorten it; users have no reason to.
    #[doc(hidden)]
    pub fn reader_stall_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.config.reader_stall_timeout = timeout;
        self
    }
}
