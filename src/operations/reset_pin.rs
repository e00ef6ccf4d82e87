//! `ResetPIN`: a new PIN under the mailbox's policy, and the email that tells it.

use super::{Ctx, Done, Failure};
use crate::domain::mail::PendingEmail;
use crate::vocab::Operation;

/// New PIN, expiry, lockout cleared, history appended (on the draft mailbox), and the email to
/// capture.
pub(super) fn run(mut ctx: Ctx<'_>) -> Result<Done, Failure> {
    let fixtures = ctx.fixtures;
    let request_id = ctx.request_id;
    let mailbox = ctx.mailbox_mut();
    let policy = fixtures
        .policies
        .get(&mailbox.state.policy)
        .expect("a mailbox's policy exists: fixtures and PATCH both check it");
    let pin = mailbox.reset_pin(policy);
    let state = &mailbox.state;
    let access_numbers = state
        .dial_plan
        .as_ref()
        .and_then(|plan| fixtures.dial_plans.get(plan))
        .cloned()
        .unwrap_or_default();
    // Rendered when read (the mail store keeps the values and the template).
    let email = PendingEmail {
        mailbox: state.smtp_address.clone(),
        display_name: state.display_name.clone(),
        pin,
        extension: state.extension.clone(),
        access_numbers,
        reset_pin_text: policy.reset_pin_text.clone(),
        operation: Operation::ResetPin.name(),
        request_id: Some(request_id),
        template: fixtures.mail.clone(),
    };
    Ok(Done {
        email: Some(email),
        ..Done::default()
    })
}
