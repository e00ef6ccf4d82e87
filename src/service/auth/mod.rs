//! Who is calling: the `Authorization` header read before the state lock, by the module of the
//! scheme it names (`crate::auth`), with the NTLM handshake kept per connection
//! ([`crate::auth::ConnectionAuth`]). Matching the credentials against the mailboxes, and
//! the scheme's check of the password, happen under the lock (`World::identify`).

mod header;

pub(crate) use header::{channel, credentials, negotiate_header, with_negotiate_header};

#[cfg(test)]
mod tests;
