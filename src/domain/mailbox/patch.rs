//! [`MailboxPatch`]: a run-time change to a mailbox, applied whole or not at all.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Mailbox;
use crate::domain::dial_plan::{effective_language, DialPlan};
use crate::domain::pin::PinPolicy;
use crate::vocab::time::Timestamp;

/// A run-time change to a mailbox (`PATCH /__admin/mailboxes/{address}`): each field that is
/// set replaces the current value; `Some(None)` clears a nullable one. The change is checked
/// like a fixture and applied whole or not at all.
///
/// ```
/// use exchange_um_mock::MailboxPatch;
///
/// let patch: MailboxPatch = serde_json::from_str(r#"{"um_enabled": false, "extension": null}"#).unwrap();
/// assert_eq!(patch.um_enabled, Some(false));
/// assert_eq!(patch.extension, Some(None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MailboxPatch {
    /// New display name.
    pub display_name: Option<String>,
    /// New logons (replaces the list).
    pub logons: Option<Vec<String>>,
    /// New password (`null` accepts any password).
    #[serde(default, deserialize_with = "nullable")]
    pub password: Option<Option<String>>,
    /// Enable or disable UM.
    pub um_enabled: Option<bool>,
    /// New extension.
    #[serde(default, deserialize_with = "nullable")]
    pub extension: Option<Option<String>>,
    /// New PIN policy (by name).
    pub policy: Option<String>,
    /// New dial plan (by name).
    #[serde(default, deserialize_with = "nullable")]
    pub dial_plan: Option<Option<String>>,
    /// New language of the PIN email, a culture name with wording such as `pt-BR` (`null`:
    /// back to the dial plan's `default_language`, else `en-US`).
    #[serde(default, deserialize_with = "nullable")]
    pub language: Option<Option<String>>,
    /// New current PIN (appended to the history; valid under the policy).
    pub pin: Option<String>,
    /// Mark the PIN expired or not.
    pub pin_expired: Option<bool>,
    /// Lock or unlock phone logon.
    pub locked_out: Option<bool>,
    /// Failed phone logons.
    pub failed_logons: Option<u32>,
    /// Changes to the properties the UM operations set.
    pub properties: Option<PropertiesPatch>,
}

/// A change to [`MailboxProperties`](super::MailboxProperties); unset fields stay.
///
/// ```
/// use exchange_um_mock::{MailboxPatch, PropertiesPatch, UmMockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let server = UmMockServer::start().await;
/// let mut properties = PropertiesPatch::default();
/// properties.oof_status = Some(true);
/// let mut patch = MailboxPatch::default();
/// patch.properties = Some(properties);
///
/// // Act
/// let alice = server.update_mailbox("alice@contoso.com", patch).unwrap();
///
/// // Assert
/// assert!(alice.properties.oof_status);
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PropertiesPatch {
    /// Out-of-office on or off.
    pub oof_status: Option<bool>,
    /// Missed-call notifications on or off.
    pub missed_call_notification_enabled: Option<bool>,
    /// Play on Phone number (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    pub play_on_phone_dial_string: Option<Option<String>>,
    /// Telephone access folder id (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    pub telephone_access_folder_email: Option<Option<String>>,
}

/// Tells `"key": null` (clear) from an absent key (keep).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl MailboxPatch {
    /// `mailbox` with this change applied at `now` (the caller checks and commits it). A `pin`
    /// is set at `now`, even when it is the current one.
    pub(crate) fn applied_to(
        &self,
        mailbox: &Mailbox,
        policies: &BTreeMap<String, PinPolicy>,
        dial_plans: &BTreeMap<String, DialPlan>,
        now: Timestamp,
    ) -> Mailbox {
        let mut next = mailbox.clone();
        let state = &mut next.state;
        set(&mut state.display_name, &self.display_name);
        set(&mut state.logons, &self.logons);
        set(&mut next.password, &self.password);
        set(&mut state.um_enabled, &self.um_enabled);
        set(&mut state.extension, &self.extension);
        set(&mut state.policy, &self.policy);
        set(&mut state.dial_plan, &self.dial_plan);
        set(&mut next.language, &self.language);
        // A new dial plan may bring another default language.
        state.language = effective_language(
            next.language.as_deref(),
            state.dial_plan.as_deref(),
            dial_plans,
        );
        set(&mut state.pin_expired, &self.pin_expired);
        set(&mut state.locked_out, &self.locked_out);
        set(&mut state.failed_logons, &self.failed_logons);
        if let Some(p) = &self.properties {
            let properties = &mut state.properties;
            set(&mut properties.oof_status, &p.oof_status);
            set(
                &mut properties.missed_call_notification_enabled,
                &p.missed_call_notification_enabled,
            );
            set(
                &mut properties.play_on_phone_dial_string,
                &p.play_on_phone_dial_string,
            );
            set(
                &mut properties.telephone_access_folder_email,
                &p.telephone_access_folder_email,
            );
        }
        if let Some(pin) = &self.pin {
            match policies.get(&next.state.policy) {
                Some(policy) if next.state.pin.as_ref() != Some(pin) => {
                    next.set_pin(pin.clone(), policy, now)
                }
                _ => next.state.pin = Some(pin.clone()),
            }
            next.pin_set = Some(now);
        }
        // A new policy that keeps fewer PINs applies to the history at once, not at the next
        // reset; a new lifetime moves `pin_expires_at` at once too.
        if let Some(policy) = policies.get(&next.state.policy) {
            next.trim_history(policy);
            next.refresh_pin_times(policy);
        }
        next
    }
}

fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *target = value.clone();
    }
}
