//! The settings a server and a wiremock responder share, written once: both builders hold an
//! [`Options`](crate::state::Options) and get these methods from [`shared_settings!`].

/// Implements the shared settings on a builder type with an `options: Options` field.
macro_rules! shared_settings {
    ($builder:ty) => {
        impl $builder {
            /// Serve the fixtures folder at `dir` instead of the embedded default set.
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// // Arrange: a fixtures folder on disk.
            /// let dir = std::env::temp_dir().join(format!("exum-doc-{}", std::process::id()));
            /// std::fs::create_dir_all(&dir).unwrap();
            /// std::fs::write(dir.join("mock.json"), r#"{"mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}]}"#).unwrap();
            ///
            /// // Act
            /// let server = UmMockServer::builder().fixtures_dir(&dir).start().await.unwrap();
            ///
            /// // Assert
            /// assert_eq!(server.mailboxes()[0].smtp_address, "x@example.com");
            /// # std::fs::remove_dir_all(&dir).unwrap();
            /// # }
            /// ```
            pub fn fixtures_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
                self.options.fixtures = Some(crate::state::FixtureSource::Dir(dir.into()));
                self
            }

            /// Serve this fixture set (built in memory, or read with [`FixtureSet::from_dir`](crate::FixtureSet::from_dir)).
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// // Arrange
            /// let fixtures = FixtureSet::embedded().with_file("responses/ResetPIN/teapot.xml", "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>teapot</faultstring></s:Fault></s:Body></s:Envelope>");
            ///
            /// // Act
            /// let server = UmMockServer::builder().fixtures(fixtures).start().await.unwrap();
            ///
            /// // Assert: scenarios can now replay the extra file.
            /// assert!(server.add_scenario(Scenario::new("alice@contoso.com", "ResetPIN").outcome(Outcome::fixture("ResetPIN/teapot"))).is_ok());
            /// # }
            /// ```
            pub fn fixtures(mut self, set: crate::fixtures::FixtureSet) -> Self {
                self.options.fixtures = Some(crate::state::FixtureSource::Set(set));
                self
            }

            /// Make generated PINs reproducible: the same seed gives the same PINs run to run.
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
            /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
            /// // Arrange: two servers with the same seed.
            /// let one = UmMockServer::builder().seed(7).start().await.unwrap();
            /// let two = UmMockServer::builder().seed(7).start().await.unwrap();
            ///
            /// // Act
            /// reset_pin(one.service_url(), "alice").await.unwrap();
            /// reset_pin(two.service_url(), "alice").await.unwrap();
            ///
            /// // Assert
            /// assert_eq!(one.mailbox("alice@contoso.com").unwrap().pin, two.mailbox("alice@contoso.com").unwrap().pin);
            /// # }
            /// ```
            pub fn seed(mut self, seed: u64) -> Self {
                self.options.config.seed = Some(seed);
                self
            }

            /// Largest request body accepted (default 1 MiB); larger ones get 413.
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// // Arrange
            /// let server = UmMockServer::builder().max_body_bytes(16).start().await.unwrap();
            ///
            /// // Act
            /// let status = reqwest::Client::new().post(server.service_url()).body("x".repeat(17)).send().await.unwrap().status();
            ///
            /// // Assert
            /// assert_eq!(status, 413);
            /// # }
            /// ```
            pub fn max_body_bytes(mut self, bytes: usize) -> Self {
                self.options.config.max_body_bytes = bytes;
                self
            }

            /// Emails kept before the oldest is dropped (default 10,000).
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
            /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
            /// // Arrange
            /// let server = UmMockServer::builder().max_emails(1).start().await.unwrap();
            ///
            /// // Act
            /// reset_pin(server.service_url(), "alice").await.unwrap();
            /// reset_pin(server.service_url(), "carol").await.unwrap();
            ///
            /// // Assert: only the newest is kept.
            /// assert_eq!(server.emails()[0].to, "carol@contoso.com");
            /// # }
            /// ```
            pub fn max_emails(mut self, count: usize) -> Self {
                self.options.config.max_emails = count;
                self
            }

            /// Journal entries kept before the oldest is dropped (default 10,000).
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// # let reset_pin = |url: String, user: &'static str| reqwest::Client::new().post(url).basic_auth(user, Some("pw"))
            /// #     .body(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#).send();
            /// // Arrange
            /// let server = UmMockServer::builder().max_requests(1).start().await.unwrap();
            ///
            /// // Act
            /// reset_pin(server.service_url(), "alice").await.unwrap();
            /// reset_pin(server.service_url(), "carol").await.unwrap();
            ///
            /// // Assert: only the newest is kept.
            /// assert_eq!(server.requests()[0].mailbox.as_deref(), Some("carol@contoso.com"));
            /// # }
            /// ```
            pub fn max_requests(mut self, count: usize) -> Self {
                self.options.config.max_requests = count;
                self
            }

            /// The most bytes the journal holds (default 64 MiB) of request and response
            /// bodies, request headers (names and values) and each entry's text (path, reason,
            /// names, scripted outcome), with what each entry and header costs besides (under
            /// 1 KB): past it the oldest entries are dropped (`evicted`
            /// counts them); the newest is always kept, its headers and text whole and its
            /// bodies cut to fit (`truncated`).
            /// ```
            /// # use exchange_um_mock::*;
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() {
            /// // Arrange
            /// let server = UmMockServer::builder().max_journal_bytes(1_000).start().await.unwrap();
            ///
            /// // Act: a body of 1,500 bytes.
            /// reqwest::Client::new().post(server.service_url()).body("x".repeat(1_500)).send().await.unwrap();
            ///
            /// // Assert: kept, its body cut to what is left of the 1,000 bytes.
            /// let request = &server.requests()[0];
            /// assert!(request.truncated);
            /// let headers: usize = request.headers.iter().map(|(name, value)| name.len() + value.len()).sum();
            /// assert!(request.body.len() < 1_000 - headers - request.path.len());
            /// # }
            /// ```
            pub fn max_journal_bytes(mut self, bytes: usize) -> Self {
                self.options.config.max_journal_bytes = bytes;
                self
            }

            /// Fault (`ErrorInvalidRequest`) when the `SOAPAction` header is missing or names another
            /// operation than the body, as an Exchange 2007 ASMX server would. Off by default: the
            /// 2010+ service dispatches on the body alone.
            pub fn strict_soap_action(mut self, strict: bool) -> Self {
                self.options.config.strict_soap_action = strict;
                self
            }
        }
    };
}

pub(crate) use shared_settings;
