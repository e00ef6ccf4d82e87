//! `ResetPIN`: a new PIN under the mailbox's policy, and the email that tells it (also sent by
//! Exchange's automatic reset after failed phone logons, [`pin_email`]).

use super::{Ctx, Done, Failure};
use crate::domain::mail::PendingEmail;
use crate::domain::mailbox::MailboxState;
use crate::domain::pin::PinPolicy;
use crate::fixtures::Fixtures;
use crate::vocab::Operation;

/// New PIN, expiry, lockout cleared, history appended (on the draft mailbox), and the email to
/// capture.
pub(super) fn run(mut ctx: Ctx<'_>) -> Result<Done, Failure> {
    let fixtures = ctx.fixtures;
    let (now, request_id) = (ctx.now, ctx.request_id);
    let mailbox = ctx.mailbox_mut();
    let policy = fixtures
        .policies
        .get(&mailbox.state.policy)
        .expect("a mailbox's policy exists: fixtures and PATCH both check it");
    let pin = mailbox.reset_pin(policy, now);
    let email = pin_email(
        fixtures,
        &mailbox.state,
        policy,
        pin,
        Operation::ResetPin.name(),
        Some(request_id),
    );
    Ok(Done {
        email: Some(email),
        ..Done::default()
    })
}

/// The email telling the owner of `state` the new `pin`: from a ResetPIN request
/// (`operation` "ResetPIN", its journal id) or Exchange's automatic reset ("AutoResetPIN",
/// no request). Its text is rendered when read: the mail store keeps the values and the
/// template.
pub(crate) fn pin_email(
    fixtures: &Fixtures,
    state: &MailboxState,
    policy: &PinPolicy,
    pin: String,
    operation: &'static str,
    request_id: Option<u64>,
) -> PendingEmail {
    let access_numbers = state
        .dial_plan
        .as_ref()
        .and_then(|plan| fixtures.dial_plans.get(plan))
        .map(|plan| std::sync::Arc::clone(&plan.access_numbers))
        .unwrap_or_default();
    PendingEmail {
        mailbox: state.smtp_address.clone(),
        display_name: state.display_name.clone(),
        pin,
        extension: state.extension.clone(),
        access_numbers,
        reset_pin_text: policy.reset_pin_text.clone(),
        operation,
        request_id,
        template: fixtures.mail.for_language(&state.language),
    }
}
