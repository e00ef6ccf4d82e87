//! `ResetPIN`: a new PIN under the mailbox's policy, and the email that tells it.

use super::{Ctx, Done, Failure};
use crate::mail::template::MailValues;
use crate::mail::PendingEmail;
use crate::operations::Operation;
use crate::state::World;

pub(super) fn run(ctx: Ctx<'_>) -> Result<Done, Failure> {
    ctx.params([])?;
    let email = reset(ctx.world, ctx.mailbox, ctx.request_id);
    Ok(Done {
        inner_xml: String::new(),
        email: Some(email),
    })
}

/// The side effects of a successful reset, shared by the live operation and a replayed canned
/// success: new PIN, expiry, lockout cleared, history, and the email to capture.
pub(crate) fn reset(world: &mut World, mailbox: usize, request_id: u64) -> PendingEmail {
    let fixtures = world.fixtures.clone();
    let mailbox = &mut world.mailboxes[mailbox];
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
    PendingEmail {
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
    }
}
