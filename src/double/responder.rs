//! [`UmResponder`] (feature `wiremock`): the double as a `wiremock::Respond`, for tests that
//! already run a `wiremock::MockServer`. It answers on the same hyper-free core as
//! [`UmMockServer`](crate::UmMockServer) and dereferences to the same [`UmDouble`].

use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use wiremock::{Request, Respond, ResponseTemplate};

use super::UmDouble;
use crate::error::Error;
use crate::fixtures::FixtureSet;
use crate::service::{endpoint, router};
use crate::state::Options;
use crate::vocab::wire::{header_pairs, header_safe, Reply, WireRequest, WireResponse};

/// The UM web service as a [`wiremock::Respond`]: mount it on a `wiremock::MockServer` and
/// read what it captured through [`UmDouble`] (`responder.emails()`,
/// `responder.wait_for_email(…)`, `responder.mailbox(…)`, `responder.requests()`…).
///
/// Clones share one state, so mount `responder.clone()` and keep `responder`. Every request
/// the mock hands it is answered as the UM endpoint, whatever its path; the `Mock`'s
/// matchers choose which requests get there.
///
/// Differences from [`UmMockServer`](crate::UmMockServer):
/// - a scripted `network` outcome (reset, close, garbage, hang) cannot be expressed through
///   wiremock: the client gets HTTP 500 with `X-Exum-Reason` saying so (the journal keeps the
///   scripted fault);
/// - expectations are not checked on drop (wiremock keeps clones alive in its pool): call
///   [`UmDouble::verify`] at the end of the test;
/// - there is no admin API: use the accessors;
/// - NTLM and Negotiate are refused (a 401 whose `X-Exum-Reason` says why): wiremock hands
///   over requests, not connections, so nothing can hold the handshake; use Basic;
/// - [`UmDouble::wait_for_email`] waits on the caller's Tokio runtime.
///
/// ```
/// use exchange_um_mock::UmResponder;
/// use wiremock::matchers::{method, path};
/// use wiremock::{Mock, MockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let mock_server = MockServer::start().await;
/// let responder = UmResponder::new();
/// Mock::given(method("POST"))
///     .and(path("/EWS/UM2007Legacy.asmx"))
///     .respond_with(responder.clone())
///     .mount(&mock_server)
///     .await;
///
/// // Act
/// let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
/// let status = reqwest::Client::new()
///     .post(format!("{}/EWS/UM2007Legacy.asmx", mock_server.uri()))
///     .basic_auth("alice@contoso.com", Some("pw"))
///     .body(envelope)
///     .send()
///     .await
///     .unwrap()
///     .status();
///
/// // Assert
/// assert_eq!(status, 200);
/// let email = responder.wait_for_email("alice@contoso.com", std::time::Duration::from_secs(5)).await.unwrap();
/// assert_eq!(Some(email.pin), responder.mailbox("alice@contoso.com").unwrap().pin);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct UmResponder {
    double: Arc<UmDouble>,
}

/// Configures a [`UmResponder`]: fixtures, seed and limits, as for a server.
///
/// ```
/// use exchange_um_mock::UmResponder;
///
/// // Arrange, Act
/// let responder = UmResponder::builder().seed(42).max_requests(100).build().unwrap();
///
/// // Assert
/// assert!(responder.requests().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct UmResponderBuilder {
    options: Options,
}

crate::double::settings::shared_settings!(UmResponderBuilder);

impl UmResponderBuilder {
    /// Loads and checks the fixtures; an error with every problem otherwise.
    ///
    /// ```
    /// # use exchange_um_mock::{ErrorKind, FixtureSet, UmResponder};
    /// // Arrange
    /// let broken = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "policy": "Nope"}]}"#);
    ///
    /// // Act
    /// let built = UmResponder::builder().fixtures(broken).build();
    ///
    /// // Assert
    /// let error = built.unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::Fixtures);
    /// assert_eq!(error.problems()[0].path, "mailboxes[0].policy");
    /// ```
    pub fn build(self) -> Result<UmResponder, Error> {
        let shared = self.options.shared_state()?;
        Ok(UmResponder {
            double: Arc::new(UmDouble::new(shared, None)),
        })
    }
}

impl UmResponder {
    /// A responder on the embedded default fixtures.
    ///
    /// # Panics
    /// Never in practice: the embedded fixtures are checked when this crate is tested.
    ///
    /// ```
    /// # use exchange_um_mock::UmResponder;
    /// // Arrange, Act
    /// let responder = UmResponder::new();
    ///
    /// // Assert
    /// assert!(responder.mailbox("alice@contoso.com").unwrap().um_enabled);
    /// ```
    pub fn new() -> Self {
        UmResponder::builder()
            .build()
            .expect("the embedded fixtures are valid: this crate's tests load them")
    }

    /// A builder for a responder with other fixtures, a seed or limits.
    ///
    /// ```
    /// # use exchange_um_mock::UmResponder;
    /// // Arrange, Act
    /// let responder = UmResponder::builder().seed(1).build().unwrap();
    ///
    /// // Assert
    /// assert!(responder.emails().is_empty());
    /// ```
    pub fn builder() -> UmResponderBuilder {
        UmResponderBuilder::default()
    }

    /// A responder on this fixture set.
    ///
    /// ```
    /// # use exchange_um_mock::{FixtureSet, UmResponder};
    /// // Arrange
    /// let set = FixtureSet::from_mock_json(r#"{"mailboxes": [{"smtp_address": "x@example.com", "extension": "100"}]}"#);
    ///
    /// // Act
    /// let responder = UmResponder::from_fixtures(set).unwrap();
    ///
    /// // Assert
    /// assert_eq!(responder.mailboxes().len(), 1);
    /// ```
    pub fn from_fixtures(set: FixtureSet) -> Result<Self, Error> {
        UmResponder::builder().fixtures(set).build()
    }
}

impl Default for UmResponder {
    fn default() -> Self {
        UmResponder::new()
    }
}

impl Deref for UmResponder {
    type Target = UmDouble;

    fn deref(&self) -> &UmDouble {
        &self.double
    }
}

impl Respond for UmResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let shared = self.double.shared();
        let headers = header_pairs(&request.headers);
        let wire = WireRequest::new(
            request.method.as_str(),
            request.url.path(),
            request.url.query(),
            headers,
            Bytes::copy_from_slice(&request.body),
        )
        .received(shared.now());
        let plan = if wire.body.len() > shared.config().max_body_bytes {
            router::too_large(shared, &wire)
        } else {
            // No connection to hold an NTLM handshake: NTLM and Negotiate are refused with a reason.
            endpoint::handle(shared, &wire, None)
        };
        let response = match plan.reply {
            Reply::Http(response) => response,
            Reply::Network(fault) => {
                let reason = format!(
                    "the scripted network fault '{}' cannot be expressed through wiremock; use UmMockServer for connection faults",
                    fault.name()
                );
                WireResponse::new(500, "text/plain; charset=utf-8", reason.clone())
                    .with_header("X-Exum-Reason", header_safe(&reason))
            }
            // Only the admin API's event stream streams, and the responder has no admin API;
            // wiremock could only send the head anyway (its bodies are whole).
            Reply::Stream(streamed) => streamed.head,
        };
        let mut template = ResponseTemplate::new(response.status);
        let mut content_type = None;
        for (name, value) in response.headers {
            if name.eq_ignore_ascii_case("content-type") {
                content_type = Some(value);
                continue;
            }
            // wiremock panics on a bad header; the double never makes one, but a skipped header
            // is better than a panic in the mock server's thread.
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                template = template.append_header(name, value);
            }
        }
        template = match content_type {
            Some(mime) => template.set_body_raw(response.body.to_vec(), &mime),
            None => template.set_body_bytes(response.body.to_vec()),
        };
        if !plan.delay.is_zero() {
            template = template.set_delay(plan.delay);
        }
        template
    }
}
