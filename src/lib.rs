//! # exchange-um-mock
//!
//! A test double of the Microsoft Exchange Unified Messaging web service (MS-OXWUMS), centred
//! on `ResetPIN`: it speaks the SOAP 1.1 wire format at the real endpoint paths, resets PINs
//! under real PIN policies, captures the "your new PIN" email in memory, replays scripted
//! successes and faults, and shows everything it saw through a JSON admin API and this crate.
//!
//! ```
//! use exchange_um_mock::UmMockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = UmMockServer::start().await; // embedded fixtures, 127.0.0.1, a free port
//! println!("point your client at {}", server.service_url());
//! assert!(server.mailbox("alice@contoso.com").unwrap().um_enabled);
//! # }
//! ```

mod admin;
mod auth;
mod autodiscover;
mod calls;
mod endpoint;
mod error;
mod fixtures;
mod journal;
mod mail;
mod mailbox;
mod operations;
mod outcomes;
mod pin;
mod ring;
mod server;
mod soap;
mod state;
mod time;
mod wire;
mod wsdl;

pub use error::{Error, Problem};
pub use fixtures::FixtureSet;
pub use journal::RecordedRequest;
pub use mail::Email;
pub use mailbox::{MailboxPatch, MailboxProperties, MailboxState, PropertiesPatch};
pub use operations::Operation;
pub use outcomes::{MailFault, NetworkFault, Outcome, Scenario, Then};
pub use pin::PinPolicy;
pub use server::{UmMockServer, UmMockServerBuilder, WaitError};
