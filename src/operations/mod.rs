//! The UM operations: the [`Operation`] names and one module per operation, dispatched from
//! [`execute`]. Operations are synchronous and run under the state lock, so each request's
//! changes land together.

mod calls;
mod get_um_properties;
mod is_um_enabled;
mod reset_pin;
mod settings;

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
    /// A void operation's answer.
    pub(crate) fn empty() -> Self {
        Done {
            inner_xml: String::new(),
            email: None,
        }
    }

    /// A value wrapped in an inner element named like the response (`<OpResponse>value</OpResponse>`).
    pub(crate) fn value(operation: Operation, inner_xml: &str) -> Self {
        let name = format!("{}Response", operation.name());
        Done {
            inner_xml: format!("<{name}>{inner_xml}</{name}>"),
            email: None,
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

/// Runs `operation` for the caller as the double does by itself.
pub(crate) fn execute(operation: Operation, ctx: Ctx<'_>) -> Result<Done, Failure> {
    if operation != Operation::IsUmEnabled {
        require_um_enabled(&ctx)?;
    }
    match operation {
        Operation::ResetPin => reset_pin::run(ctx),
        Operation::IsUmEnabled => is_um_enabled::run(ctx),
        Operation::GetUmProperties => get_um_properties::run(ctx),
        Operation::SetOofStatus => settings::set_oof_status(ctx),
        Operation::SetMissedCallNotificationEnabled => {
            settings::set_missed_call_notification_enabled(ctx)
        }
        Operation::SetPlayOnPhoneDialString => settings::set_play_on_phone_dial_string(ctx),
        Operation::SetTelephoneAccessFolderEmail => {
            settings::set_telephone_access_folder_email(ctx)
        }
        Operation::PlayOnPhone => calls::play_on_phone(ctx),
        Operation::PlayOnPhoneGreeting => calls::play_on_phone_greeting(ctx),
        Operation::GetCallInfo => calls::get_call_info(ctx),
        Operation::Disconnect => calls::disconnect(ctx),
    }
}

impl Ctx<'_> {
    pub(crate) fn mailbox(&mut self) -> &mut crate::mailbox::Mailbox {
        &mut self.world.mailboxes[self.mailbox]
    }

    /// The request's parameters by name, in the order of `names`; a parameter not in `names`
    /// or given twice makes the request schema-invalid.
    pub(crate) fn params<const N: usize>(
        &self,
        names: [&str; N],
    ) -> Result<[Option<String>; N], Failure> {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        for (name, value) in &self.call.params {
            let Some(i) = names.iter().position(|n| n == name) else {
                let expected = if N == 0 {
                    "no parameters".to_string()
                } else {
                    names.join(", ")
                };
                return Err(Failure::Invalid(format!(
                    "{} has no parameter '{name}' (it takes {expected})",
                    self.call.operation
                )));
            };
            if found[i].is_some() {
                return Err(Failure::Invalid(format!(
                    "parameter '{name}' appears twice"
                )));
            }
            found[i] = Some(value.clone());
        }
        Ok(found)
    }
}

/// A parameter that must be present.
pub(crate) fn required(value: Option<String>, name: &str) -> Result<String, Failure> {
    value.ok_or_else(|| Failure::Invalid(format!("parameter '{name}' is missing")))
}

/// An `xsd:boolean` parameter.
pub(crate) fn boolean(value: Option<String>, name: &str) -> Result<bool, Failure> {
    let text = required(value, name)?;
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(Failure::Invalid(format!(
            "parameter '{name}' must be true or false, not '{other}'"
        ))),
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
