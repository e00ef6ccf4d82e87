//! The UM operations, one module each, dispatched from [`execute`]. Pure over the domain: an
//! operation changes only the draft of the caller's mailbox it is handed and describes any
//! other effect (an email, a call) in its [`Done`], so the world can apply all of a request's
//! changes together, or none of them if anything fails first.

mod calls;
mod get_um_properties;
mod is_um_enabled;
mod reset_pin;
mod settings;

pub(crate) use reset_pin::pin_email;

use rand::rngs::StdRng;

use crate::domain::calls::{Call, CallBook};
use crate::domain::mail::PendingEmail;
use crate::domain::mailbox::Mailbox;
use crate::fixtures::Fixtures;
use crate::soap::read::SoapCall;
use crate::soap::schema::Args;
use crate::vocab::time::Timestamp;
use crate::vocab::Operation;

/// What an operation works on.
pub(crate) struct Ctx<'a> {
    /// The caller's mailbox as it is.
    pub(crate) current: &'a Mailbox,
    /// The caller's mailbox as this request changes it: a copy made on the first change
    /// ([`Ctx::mailbox_mut`]), committed by the world only once the answer is made. Operations
    /// that only read never copy it.
    pub(crate) draft: &'a mut Option<Mailbox>,
    pub(crate) fixtures: &'a Fixtures,
    pub(crate) calls: &'a CallBook,
    /// Draws call ids; a draft too.
    pub(crate) call_rng: &'a mut StdRng,
    /// Journal id of the request (emails point at it).
    pub(crate) request_id: u64,
    /// The double's time (a new PIN is set then).
    pub(crate) now: Timestamp,
}

impl Ctx<'_> {
    /// The caller's mailbox, with this request's changes so far.
    pub(crate) fn mailbox(&self) -> &Mailbox {
        self.draft.as_ref().unwrap_or(self.current)
    }

    /// The caller's mailbox to change (copied on the first change).
    pub(crate) fn mailbox_mut(&mut self) -> &mut Mailbox {
        self.draft.get_or_insert_with(|| self.current.clone())
    }
}

/// A successful operation: the XML inside `<OpResponse>`, and the effects beyond the mailbox
/// for the world to apply: the email it sends (captured, dropped or delayed as the outcome
/// says) and a change to the calls.
#[derive(Debug, Default)]
pub(crate) struct Done {
    pub(crate) inner_xml: String,
    pub(crate) email: Option<PendingEmail>,
    pub(crate) call: Option<CallChange>,
}

/// How an operation changes the Play on Phone calls.
#[derive(Debug)]
pub(crate) enum CallChange {
    Place(Call),
    Disconnect(String),
}

impl Done {
    /// A value wrapped in an inner element named like the response (`<OpResponse>value</OpResponse>`).
    pub(crate) fn value(operation: Operation, inner_xml: &str) -> Self {
        let name = operation.name();
        Done {
            inner_xml: format!("<{name}Response>{inner_xml}</{name}Response>"),
            ..Done::default()
        }
    }
}

/// A failed operation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A UM fault with this exception name; the reason goes to the journal.
    Um {
        exception: &'static str,
        reason: String,
    },
    /// A schema-invalid request (`ErrorInvalidRequest`).
    Invalid(String),
}

/// Runs `operation` for the caller as the double does by itself: the UM-enabled check, the
/// parameters against the operation's description, then the operation.
pub(crate) fn execute(
    operation: Operation,
    call: &SoapCall,
    ctx: Ctx<'_>,
) -> Result<Done, Failure> {
    if operation != Operation::IsUmEnabled {
        require_um_enabled(ctx.mailbox())?;
    }
    let args = Args::check(operation, &call.params).map_err(Failure::Invalid)?;
    match operation {
        Operation::ResetPin => reset_pin::run(ctx),
        Operation::IsUmEnabled => is_um_enabled::run(ctx),
        Operation::GetUmProperties => get_um_properties::run(ctx),
        Operation::SetOofStatus => settings::set_oof_status(ctx, &args),
        Operation::SetMissedCallNotificationEnabled => {
            settings::set_missed_call_notification_enabled(ctx, &args)
        }
        Operation::SetPlayOnPhoneDialString => settings::set_play_on_phone_dial_string(ctx, &args),
        Operation::SetTelephoneAccessFolderEmail => {
            settings::set_telephone_access_folder_email(ctx, &args)
        }
        Operation::PlayOnPhone => calls::play_on_phone(ctx, &args),
        Operation::PlayOnPhoneGreeting => calls::play_on_phone_greeting(ctx, &args),
        Operation::GetCallInfo => calls::get_call_info(ctx, &args),
        Operation::Disconnect => calls::disconnect(ctx, &args),
    }
}

/// Whether a canned success for `operation` has the side effects of a live one. ResetPIN's
/// effects (new PIN, history, email) are what a client test checks after any success, so a
/// replayed success performs them; the other operations' canned answers stand alone.
/// Either way the operation's own checks come first: a caller who is not UM-enabled gets the
/// canned bytes and no effects.
pub(crate) fn canned_success_has_effects(operation: Operation) -> bool {
    operation == Operation::ResetPin
}

/// The fault every operation but IsUMEnabled gives a caller who is not UM-enabled.
fn require_um_enabled(mailbox: &Mailbox) -> Result<(), Failure> {
    if mailbox.state.um_enabled {
        Ok(())
    } else {
        Err(Failure::Um {
            exception: "UserNotUmEnabledException",
            reason: format!("mailbox '{}' is not UM-enabled", mailbox.state.smtp_address),
        })
    }
}
