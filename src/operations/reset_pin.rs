//! `ResetPIN`: a new PIN under the mailbox's policy, and the email that tells it (also sent by
//! Exchange's automatic reset after failed phone logons, [`pin_email`]).

use super::{Ctx, Done, Failure};
use crate::domain::mail::template::MailValues;
use crate::domain::mail::PendingEmail;
use crate::domain::mailbox::MailboxState;
use crate::domain::pin::PinPolicy;
use crate::fixtures::Fixtures;
use crate::vocab::Operation;

/// New PIN, expiry, lockout cleared, history appended (on the draft mailbox), and the email to
/// capture.
pub(super) fn run(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let fixtures = ctx.fixtures;
    let mailbox = ctx.mailbox;
    let policy = fixtures
        .policies
        .get(&mailbox.state.policy)
        .expect("a mailbox's policy exists: fixtures and PATCH both check it");
    let pin = mailbox.reset_pin(policy, ctx.now);
    let email = pin_email(
        fixtures,
        &mailbox.state,
        policy,
        pin,
        Operation::ResetPin.name(),
        Some(ctx.request_id),
    );
    Ok(Done {
        email: Some(email),
        ..Done::default()
    })
}

/// The email telling the owner of `state` the new `pin`: from a ResetPIN request
/// (`operation` "ResetPIN", its journal id) or Exchange's automatic reset ("AutoResetPIN",
/// no request).
pub(crate) fn pin_email(
    fixtures: &Fixtures,
    state: &MailboxState,
    policy: &PinPolicy,
    pin: String,
    operation: &str,
    request_id: Option<u64>,
) -> PendingEmail {
    let access_numbers = state
        .dial_plan
        .as_ref()
        .and_then(|plan| fixtures.dial_plans.get(plan))
        .cloned()
        .unwrap_or_default();
    let mail = fixtures.mail.render(&MailValues {
        display_name: &state.display_name,
        smtp_address: &state.smtp_address,
        pin: &pin,
        extension: state.extension.as_deref(),
        access_numbers: &access_numbers,
        reset_pin_text: &policy.reset_pin_text,
    });
    PendingEmail {
        mailbox: state.smtp_address.clone(),
        from: mail.from,
        subject: mail.subject,
        text_body: mail.text_body,
        html_body: mail.html_body,
        pin,
        extension: state.extension.clone(),
        access_numbers,
        operation: operation.to_string(),
        request_id,
    }
}
