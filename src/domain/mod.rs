//! The state that changes together, with no HTTP and no XML in it: mailboxes and their PIN
//! policy, captured mail, the journal, Play on Phone calls, scripted outcomes and scenarios,
//! and the expectations counted over the journal.

pub(crate) mod calls;
pub(crate) mod dial_plan;
pub(crate) mod expect;
pub(crate) mod journal;
pub(crate) mod mail;
pub(crate) mod mailbox;
pub(crate) mod outcomes;
pub(crate) mod patterns;
pub(crate) mod pin;
