//! # exchange-um-mock
//!
//! A test double of the Microsoft Exchange Unified Messaging web service (MS-OXWUMS), centred
//! on `ResetPIN`: it speaks the SOAP 1.1 wire format at the real endpoint paths, resets PINs
//! under real PIN policies, captures the "your new PIN" email in memory, replays scripted
//! successes and faults, and shows everything it saw through a JSON admin API and this crate.
//!
//! ## Quick start
//!
//! Start a [`UmMockServer`], point the client under test at [`UmMockServer::service_url`],
//! then assert on what the double captured. The accessors (`emails`, `wait_for_email`,
//! `mailbox`, `requests`, `expect`…) live on [`UmDouble`], which the server dereferences to.
//!
//! ```
//! use std::time::Duration;
//! use exchange_um_mock::{Operation, UmMockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Arrange: embedded fixtures, 127.0.0.1, a free port.
//! let server = UmMockServer::start().await;
//! server.expect(Operation::ResetPin).for_mailbox("alice@contoso.com").times(1);
//!
//! // Act: what your client does.
//! let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
//! let response = reqwest::Client::new()
//!     .post(server.service_url())
//!     .basic_auth("CONTOSO\\alice", Some("any password"))
//!     .header("Content-Type", "text/xml; charset=utf-8")
//!     .body(envelope)
//!     .send()
//!     .await
//!     .unwrap();
//!
//! // Assert: the answer, the email and the new PIN.
//! assert_eq!(response.status(), 200);
//! let email = server.wait_for_email("alice@contoso.com", Duration::from_secs(5)).await.unwrap();
//! assert_eq!(Some(email.pin), server.mailbox("alice@contoso.com").unwrap().pin);
//! // Dropping `server` stops it and checks the expectation.
//! # }
//! ```
//!
//! ## Fixtures
//!
//! Without configuration the server runs on the embedded default set: `alice@contoso.com`
//! (UM-enabled, Default policy), `bob` (not UM-enabled), `carol` (Strict policy, 8-digit
//! PINs), `dave` (password `P@ssw0rd!`, first ResetPIN answered "server busy"), `erin` (Lax
//! policy, locked out). Any password is accepted unless a mailbox sets one. Use your own with
//! [`UmMockServerBuilder::fixtures_dir`] or an in-memory [`FixtureSet`];
//! [`UmMockServerBuilder::seed`] makes the generated PINs reproducible.
//!
//! ```
//! use exchange_um_mock::{FixtureSet, UmMockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Arrange
//! let fixtures = FixtureSet::from_mock_json(
//!     r#"{"mailboxes": [{"smtp_address": "helpdesk-test@example.com", "extension": "7001", "pin": "904817"}]}"#,
//! );
//!
//! // Act
//! let server = UmMockServer::builder().fixtures(fixtures).seed(42).start().await.unwrap();
//!
//! // Assert
//! assert_eq!(server.mailbox("helpdesk-test@example.com").unwrap().pin.as_deref(), Some("904817"));
//! # }
//! ```
//!
//! ## Scripting failures
//!
//! A [`Scenario`] hands out [`Outcome`]s in order for one mailbox (or `*`) and one operation
//! (or `*`): canned fixture responses, generated UM faults, plain HTTP errors, connection
//! faults, lost or late emails, delays. After the list, [`Then`] decides.
//!
//! ```
//! use exchange_um_mock::{Outcome, Scenario, Then, UmMockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Arrange: alice's ResetPIN fails twice with 503, then works.
//! let server = UmMockServer::start().await;
//! server
//!     .add_scenario(
//!         Scenario::new("alice@contoso.com", "ResetPIN")
//!             .outcome(Outcome::http(503).with_header("Retry-After", "1"))
//!             .outcome(Outcome::http(503))
//!             .then(Then::Default),
//!     )
//!     .unwrap();
//!
//! // Act
//! let envelope = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
//! let mut statuses = Vec::new();
//! for _ in 0..3 {
//!     let response = reqwest::Client::new().post(server.service_url()).basic_auth("alice", Some("pw")).body(envelope).send().await.unwrap();
//!     statuses.push(response.status().as_u16());
//! }
//!
//! // Assert
//! assert_eq!(statuses, [503, 503, 200]);
//! assert_eq!(server.emails().len(), 1);
//! # }
//! ```
//!
//! ## Errors
//!
//! Every fallible call returns the one [`Error`]: [`Error::kind`] (an [`ErrorKind`]) to
//! branch on, and [`Error::problems`], every [`Problem`] found, each with its file and path
//! where it has one (`mock.json: mailboxes[0].policy: …`, `outcomes[1].fixture: …`). Requests
//! to the server never produce one: a bad request is a SOAP fault or a JSON error.
//!
//! ```
//! use exchange_um_mock::{ErrorKind, MailboxPatch, UmMockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Arrange
//! let server = UmMockServer::start().await;
//! let mut patch = MailboxPatch::default();
//! patch.pin = Some("1".into());
//!
//! // Act
//! let error = server.update_mailbox("alice@contoso.com", patch).unwrap_err();
//!
//! // Assert: refused, with the reason at its path; nothing changed.
//! assert_eq!(error.kind(), ErrorKind::Invalid);
//! assert_eq!(error.problems()[0].path, "pin");
//! assert_eq!(server.mailbox("alice@contoso.com").unwrap().pin.as_deref(), Some("135790"));
//! # }
//! ```
//!
//! ## Expectations
//!
//! Like wiremock-rs's `Mock::expect`: [`UmDouble::expect`] sets how often an operation should
//! be called (optionally for one mailbox). The server checks on drop, and
//! [`UmDouble::verify`] checks early. A failure report lists, per unmet expectation, what was
//! expected, how many requests matched, and every request for that mailbox with its
//! operation, status, outcome and the double's reason, e.g.
//!
//! ```text
//! exchange-um-mock: 1 of 1 expectation(s) not met
//!
//! - ResetPIN for alice@contoso.com: expected exactly 1, matched 0
//!   requests for alice@contoso.com or for no known mailbox, oldest first:
//!     #1 POST /EWS/UM2007Legacy.asmx (no operation read) as 'CONTOSO\alic' (no mailbox) -> 401, outcome "default", reason: no mailbox has logon 'CONTOSO\alic'
//! ```
//!
//! ## Isolation between tests
//!
//! Each [`UmMockServer`] owns its state, port, thread and runtime: start one per test and
//! tests can run in parallel (the default for `cargo test`) without seeing each other's
//! emails, journal or PINs. Ids (emails, requests) count per server. [`UmDouble::reset`]
//! brings a server back to its fixtures if you share one.
//!
//! ## From a plain `#[test]`
//!
//! [`UmMockServer::start`] awaits nothing and needs no runtime, and
//! [`UmDouble::wait_for_email`] waits on the server's own runtime, so
//! `futures::executor::block_on` drives them from a synchronous test (a
//! `tokio::runtime::Runtime` works too). A client that blocks its thread cannot starve the
//! server, which runs on a thread of its own.
//!
//! ```
//! use std::time::Duration;
//! use exchange_um_mock::UmMockServer;
//!
//! // Arrange
//! let server = futures::executor::block_on(UmMockServer::start());
//!
//! // Act: a blocking client (here a raw HTTP/1.1 request on a std TcpStream).
//! use std::io::{Read, Write};
//! let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
//! let mut stream = std::net::TcpStream::connect(server.address()).unwrap();
//! write!(stream, "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6cHc=\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).unwrap();
//!
//! // Assert
//! assert!(answer.starts_with("HTTP/1.1 200"));
//! let email = futures::executor::block_on(server.wait_for_email("alice@contoso.com", Duration::from_secs(5))).unwrap();
//! assert_eq!(email.to, "alice@contoso.com");
//! ```
//!
//! ## Inside a wiremock `MockServer`
//!
//! With the `wiremock` feature, `UmResponder` implements `wiremock::Respond` on the same core
//! and dereferences to the same [`UmDouble`]; see its documentation.
//!
//! ## The public types are the admin API's JSON
//!
//! [`Email`], [`RecordedRequest`], [`MailboxState`], [`Scenario`] and [`Outcome`] serialise
//! (serde) to exactly what `/__admin` answers, so a test can compare either.

#![warn(missing_docs)]

// The layers, listed here in rustfmt's (alphabetical) order. Their real order, each using only
// the ones before it, is error, vocab, auth, domain, soap, fixtures, operations, state,
// service, double, server (ARCHITECTURE.md has the map); `tests/tidy.rs` enforces it.
mod auth;
mod domain;
mod double;
mod error;
mod fixtures;
mod operations;
mod server;
mod service;
mod soap;
mod state;
mod vocab;

pub use domain::expect::Times;
pub use domain::journal::RecordedRequest;
pub use domain::mail::relay::{RelayState, RelayStatus};
pub use domain::mail::Email;
pub use domain::mailbox::{
    LogonOutcome, LogonResult, MailboxPatch, MailboxProperties, MailboxState, PropertiesPatch,
};
pub use domain::outcomes::{MailFault, Outcome, Scenario, Then};
pub use domain::pin::PinPolicy;
pub use double::expect::Expectation;
#[cfg(feature = "wiremock")]
pub use double::responder::{UmResponder, UmResponderBuilder};
pub use double::UmDouble;
pub use error::{Error, ErrorKind, Problem};
pub use fixtures::FixtureSet;
pub use server::{Scheme, UmMockServer, UmMockServerBuilder, UmSession};
pub use vocab::wire::NetworkFault;
pub use vocab::Operation;
