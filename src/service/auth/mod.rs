//! Who is calling: the credentials of the `Authorization` header, read before the state lock.
//! Matching them against the mailboxes happens under it (`World::identify`).

mod basic;

pub(crate) use basic::credentials;
