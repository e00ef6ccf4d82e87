//! Who is calling: the credentials of the `Authorization` header (Basic, NTLM, Negotiate), read
//! and decoded before the state lock, with the NTLM handshake kept per connection
//! ([`crate::auth::ConnectionAuth`]). Matching them against the mailboxes, and checking an NTLM response
//! against a password, happens under the lock (`World::identify`).

mod basic;
mod leg;

pub(crate) use leg::{credentials, negotiate_header, with_negotiate_header, AuthSettings};

#[cfg(test)]
mod tests;
