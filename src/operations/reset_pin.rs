//! `ResetPIN`: a new PIN under the mailbox's policy, and the email that tells it.

use super::{Ctx, Done, Failure};
use crate::domain::mail::template::MailValues;
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
    let mail = fixtures.mail.render(&MailValues {
        display_name: &state.display_name,
        smtp_address: &state.smtp_address,
        pin: &pin,
        extension: state.extension.as_deref(),
        access_numbers: &access_numbers,
        reset_pin_text: &policy.reset_pin_text,
    });
    let email = PendingEmail {
        mailbox: state.smtp_address.clone(),
        from: mail.from,
        subject: mail.subject,
        text_body: mail.text_body,
        html_body: mail.html_body,
        pin,
        extension: state.extension.clone(),
        access_numbers,
        operation: Operation::ResetPin.name().to_string(),
        request_id: Some(request_id),
    };
    Ok(Done {
        email: Some(email),
        ..Done::default()
    })
}
