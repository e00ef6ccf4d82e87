//! A panic half-way through a request leaves the world as it was.

use std::cell::Cell;

use bytes::Bytes;

use super::*;
use crate::auth::Credentials;
use crate::domain::journal::Entry;
use crate::fixtures::FixtureSet;
use crate::soap::read::read_envelope;
use crate::state::{Config, Shared};
use crate::vocab::wire::WireRequest;

thread_local! {
    /// Set by a test to make the next answer panic after it has computed its changes.
    static PANIC_BEFORE_COMMIT: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn maybe_panic_before_commit() {
    if PANIC_BEFORE_COMMIT.with(|flag| flag.replace(false)) {
        panic!("forced by a test: a bug between computing and committing a request's changes");
    }
}

fn reset_pin_request(shared: &Shared, user: &str) -> UmRequest {
    let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
    let wire = WireRequest::new(
        "POST",
        "/EWS/UM2007Legacy.asmx",
        None,
        Vec::new(),
        Bytes::from_static(body.as_bytes()),
    );
    let call = read_envelope(body.as_bytes()).unwrap();
    let caller = shared
        .with(|w| {
            w.identify(
                Entry::new(&wire),
                Ok(Credentials::basic(user, "pw")),
                &Channel::default(),
            )
        })
        .unwrap();
    UmRequest {
        caller,
        channel: Channel::default(),
        call: Ok((Operation::ResetPin, call)),
    }
}

#[test]
fn a_panic_between_computing_and_committing_a_reset_changes_nothing() {
    let shared = Shared::new(FixtureSet::embedded(), Config::default()).unwrap();
    let before = shared.with(|w| w.mailbox("alice@contoso.com")).unwrap();

    let request = reset_pin_request(&shared, "alice");
    PANIC_BEFORE_COMMIT.with(|flag| flag.set(true));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shared.with(|w| w.answer_um(request))
    }));

    assert!(panicked.is_err(), "the forced panic happened");
    let (after, emails, requests) = shared.with(|w| {
        (
            w.mailbox("alice@contoso.com").unwrap(),
            w.all_emails(),
            w.all_requests(),
        )
    });
    assert_eq!(after, before, "the PIN, history and expiry are as before");
    assert!(emails.is_empty(), "no email");
    assert!(requests.is_empty(), "no journal entry");

    // The lock was poisoned by the panic; serving goes on, and the next reset works whole.
    let request = reset_pin_request(&shared, "alice");
    let plan = shared.with(|w| w.answer_um(request));
    assert!(matches!(plan.reply, Reply::Http(ref r) if r.status == 200));
    let (after, emails) =
        shared.with(|w| (w.mailbox("alice@contoso.com").unwrap(), w.all_emails()));
    assert_eq!(emails.len(), 1);
    assert_eq!(after.pin.as_deref(), Some(emails[0].pin.as_str()));
    assert_eq!(after.pin_history.len(), before.pin_history.len() + 1);
}
