//! The UM operations: the [`Operation`] names and one module per operation, dispatched from
//! [`execute`]. Operations are synchronous and run under the state lock, so each request's
//! changes land together.

mod reset_pin;

use serde::{Deserialize, Serialize};

use crate::mail::PendingEmail;
use crate::soap::read::SoapCall;
use crate::state::World;

/// The operations of the UM web service, by their wire names.
///
/// ```
/// use exchange_um_mock::Operation;
///
/// assert_eq!(Operation::ResetPin.name(), "ResetPIN");
/// assert_eq!(Operation::from_name("IsUMEnabled"), Some(Operation::IsUmEnabled));
/// assert_eq!(Operation::from_name("ResetPin"), None, "names are case-sensitive, as on the wire");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Operation {
    /// `ResetPIN`: a new PIN for the caller, sent by email.
    #[serde(rename = "ResetPIN")]
    ResetPin,
    /// `IsUMEnabled`: whether the caller is enabled for UM.
    #[serde(rename = "IsUMEnabled")]
    IsUmEnabled,
    /// `GetUMProperties`: the caller's UM settings.
    #[serde(rename = "GetUMProperties")]
    GetUmProperties,
    /// `SetOofStatus`.
    SetOofStatus,
    /// `SetMissedCallNotificationEnabled`.
    SetMissedCallNotificationEnabled,
    /// `SetPlayOnPhoneDialString`.
    SetPlayOnPhoneDialString,
    /// `SetTelephoneAccessFolderEmail`.
    SetTelephoneAccessFolderEmail,
    /// `PlayOnPhone`: call a number and play a message.
    PlayOnPhone,
    /// `PlayOnPhoneGreeting`: call a number and play or record a greeting.
    PlayOnPhoneGreeting,
    /// `GetCallInfo`: the state of a Play on Phone call.
    GetCallInfo,
    /// `Disconnect`: hang up a Play on Phone call.
    Disconnect,
}

impl Operation {
    /// Every operation, ResetPIN first.
    pub const ALL: [Operation; 11] = [
        Operation::ResetPin,
        Operation::IsUmEnabled,
        Operation::GetUmProperties,
        Operation::SetOofStatus,
        Operation::SetMissedCallNotificationEnabled,
        Operation::SetPlayOnPhoneDialString,
        Operation::SetTelephoneAccessFolderEmail,
        Operation::PlayOnPhone,
        Operation::PlayOnPhoneGreeting,
        Operation::GetCallInfo,
        Operation::Disconnect,
    ];

    /// The element name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ResetPin => "ResetPIN",
            Operation::IsUmEnabled => "IsUMEnabled",
            Operation::GetUmProperties => "GetUMProperties",
            Operation::SetOofStatus => "SetOofStatus",
            Operation::SetMissedCallNotificationEnabled => "SetMissedCallNotificationEnabled",
            Operation::SetPlayOnPhoneDialString => "SetPlayOnPhoneDialString",
            Operation::SetTelephoneAccessFolderEmail => "SetTelephoneAccessFolderEmail",
            Operation::PlayOnPhone => "PlayOnPhone",
            Operation::PlayOnPhoneGreeting => "PlayOnPhoneGreeting",
            Operation::GetCallInfo => "GetCallInfo",
            Operation::Disconnect => "Disconnect",
        }
    }

    /// The operation with this wire name (exact case).
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an operation needs: the world, the caller's mailbox, the request.
pub(crate) struct Ctx<'a> {
    pub(crate) world: &'a mut World,
    pub(crate) mailbox: usize,
    pub(crate) call: &'a SoapCall,
    /// Journal id of the request (emails point at it).
    pub(crate) request_id: u64,
}

/// A successful operation: the XML inside `<OpResponse>`, and the email it sends, if any
/// (the caller captures it, drops it or delays it as the outcome says).
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) inner_xml: String,
    pub(crate) email: Option<PendingEmail>,
}

impl Done {
    pub(crate) fn empty() -> Self {
        Done { inner_xml: String::new(), email: None }
    }
}

/// A failed operation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A UM fault with this exception name; the reason goes to the journal.
    Um { exception: &'static str, reason: String },
    /// A schema-invalid request (`ErrorInvalidRequest`).
    Invalid(String),
}

/// Runs `operation` for the caller as the double does by itself.
pub(crate) fn execute(operation: Operation, ctx: Ctx<'_>) -> Result<Done, Failure> {
    match operation {
        Operation::ResetPin => reset_pin::run(ctx),
        other => Err(Failure::Invalid(format!("operation '{}' is not implemented yet", other.name()))),
    }
}

/// The fault every operation but IsUMEnabled gives a caller who is not UM-enabled.
pub(crate) fn require_um_enabled(ctx: &Ctx<'_>) -> Result<(), Failure> {
    let mailbox = &ctx.world.mailboxes[ctx.mailbox].state;
    if mailbox.um_enabled {
        Ok(())
    } else {
        Err(Failure::Um {
            exception: "UserNotUmEnabledException",
            reason: format!("mailbox '{}' is not UM-enabled", mailbox.smtp_address),
        })
    }
}

pub(crate) use reset_pin::reset as reset_pin_effects;
