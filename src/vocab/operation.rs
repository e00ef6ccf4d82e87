//! The names of the UM operations: a leaf every layer can use.

use serde::{Deserialize, Serialize};

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
#[non_exhaustive]
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
    /// Every operation, ResetPIN first. A slice, not an array, so that a new operation does
    /// not change its type.
    pub const ALL: &[Operation] = &[
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
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
