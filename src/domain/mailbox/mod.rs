//! A mailbox: its public state (as the admin API shows it), its fixture form, the checks both
//! fixtures and run-time changes must pass, and the PIN changes a reset makes.

use std::collections::BTreeMap;

use base64::Engine as _;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::domain::pin::{mailbox_rng, PinPolicy};
use crate::vocab::xml::is_xml_char;

/// Settings a client changes through the UM operations (`SetOofStatus`, …).
///
/// ```
/// use exchange_um_mock::UmMockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Arrange
/// let server = UmMockServer::start().await;
///
/// // Act
/// let erin = server.mailbox("erin@contoso.com").unwrap().properties;
///
/// // Assert: the default fixtures give erin an out-of-office greeting.
/// assert!(erin.oof_status);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailboxProperties {
    /// Out-of-office greeting on (`SetOofStatus`).
    pub oof_status: bool,
    /// Missed-call notifications on (`SetMissedCallNotificationEnabled`).
    pub missed_call_notification_enabled: bool,
    /// Default number for Play on Phone (`SetPlayOnPhoneDialString`).
    pub play_on_phone_dial_string: Option<String>,
    /// Base64 folder id for telephone access to email (`SetTelephoneAccessFolderEmail`).
    pub telephone_access_folder_email: Option<String>,
}

impl Default for MailboxProperties {
    fn default() -> Self {
        MailboxProperties {
            oof_status: false,
            missed_call_notification_enabled: true,
            play_on_phone_dial_string: None,
            telephone_access_folder_email: None,
        }
    }
}

/// A mailbox as `GET /__admin/mailboxes/{address}` shows it (the password is never shown).
///
/// ```
/// # async fn demo() {
/// use exchange_um_mock::UmMockServer;
/// let server = UmMockServer::start().await;
/// let alice = server.mailbox("alice@contoso.com").expect("in the default fixtures");
/// assert_eq!(alice.pin_history.last(), alice.pin.as_ref());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MailboxState {
    /// Primary SMTP address; the mailbox's key.
    pub smtp_address: String,
    /// Display name.
    pub display_name: String,
    /// Other names it signs in with (`CONTOSO\alice`, a UPN…).
    pub logons: Vec<String>,
    /// Enabled for Unified Messaging.
    pub um_enabled: bool,
    /// UM extension.
    pub extension: Option<String>,
    /// Name of its PIN policy.
    pub policy: String,
    /// Name of its dial plan.
    pub dial_plan: Option<String>,
    /// Current PIN.
    pub pin: Option<String>,
    /// Previous PINs, oldest first, the current one last.
    pub pin_history: Vec<String>,
    /// The PIN must be changed at next phone logon (set by a reset).
    pub pin_expired: bool,
    /// Locked out of phone logon.
    pub locked_out: bool,
    /// Failed phone logons since the last success or reset.
    pub failed_logons: u32,
    /// Settings the UM operations change.
    pub properties: MailboxProperties,
}

/// A mailbox in `mock.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailboxFixture {
    pub(crate) smtp_address: String,
    #[serde(default)]
    pub(crate) logons: Vec<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) password: Option<String>,
    #[serde(default = "enabled")]
    pub(crate) um_enabled: bool,
    pub(crate) extension: Option<String>,
    pub(crate) policy: Option<String>,
    pub(crate) dial_plan: Option<String>,
    pub(crate) pin: Option<String>,
    #[serde(default)]
    pub(crate) pin_expired: bool,
    #[serde(default)]
    pub(crate) locked_out: bool,
    #[serde(default)]
    pub(crate) failed_logons: u32,
    #[serde(default)]
    pub(crate) properties: MailboxProperties,
}

fn enabled() -> bool {
    true
}

/// The policy a mailbox gets when its fixture names none.
pub(crate) const DEFAULT_POLICY: &str = "Default";

impl MailboxFixture {
    /// The state this fixture describes, before any PIN is generated.
    pub(crate) fn state(&self) -> MailboxState {
        let local = self.smtp_address.split('@').next().unwrap_or_default();
        MailboxState {
            smtp_address: self.smtp_address.clone(),
            display_name: self
                .display_name
                .clone()
                .unwrap_or_else(|| local.to_string()),
            logons: self.logons.clone(),
            um_enabled: self.um_enabled,
            extension: self.extension.clone(),
            policy: self
                .policy
                .clone()
                .unwrap_or_else(|| DEFAULT_POLICY.to_string()),
            dial_plan: self.dial_plan.clone(),
            pin: self.pin.clone(),
            pin_history: self.pin.iter().cloned().collect(),
            pin_expired: self.pin_expired,
            locked_out: self.locked_out,
            failed_logons: self.failed_logons,
            properties: self.properties.clone(),
        }
    }
}

/// The policies and dial plans mailbox checks refer to.
pub(crate) struct References<'a> {
    pub(crate) policies: &'a BTreeMap<String, PinPolicy>,
    pub(crate) dial_plans: &'a BTreeMap<String, Vec<String>>,
}

/// Every problem with one mailbox's state on its own, as (key, problem). Fixtures and
/// `PATCH /__admin/mailboxes/…` run the same checks.
pub(crate) fn problems(state: &MailboxState, refs: &References<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |key: &str, problem: String| out.push((key.to_string(), problem));
    let address = &state.smtp_address;
    let valid_address = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !address.contains(char::is_whitespace)
        }
        None => false,
    };
    if !valid_address {
        push(
            "smtp_address",
            format!("'{address}' is not an SMTP address"),
        );
    }
    let policy = refs.policies.get(&state.policy);
    if policy.is_none() {
        push("policy", format!("unknown policy '{}'", state.policy));
    }
    if let Some(plan) = &state.dial_plan {
        if !refs.dial_plans.contains_key(plan) {
            push("dial_plan", format!("unknown dial plan '{plan}'"));
        }
    }
    match &state.extension {
        Some(ext)
            if ext.is_empty() || ext.len() > 20 || !ext.bytes().all(|b| b.is_ascii_digit()) =>
        {
            push(
                "extension",
                format!("extension '{ext}' must be 1 to 20 digits"),
            );
        }
        None if state.um_enabled => push(
            "extension",
            "a UM-enabled mailbox needs an extension".to_string(),
        ),
        _ => {}
    }
    if let (Some(pin), Some(policy)) = (&state.pin, policy) {
        if let Err(problem) = policy.check_pin(pin, state.extension.as_deref()) {
            push("pin", problem);
        }
    }
    if let Some(folder) = &state.properties.telephone_access_folder_email {
        if base64::engine::general_purpose::STANDARD
            .decode(folder)
            .is_err()
        {
            push(
                "properties.telephone_access_folder_email",
                format!("'{folder}' is not base64"),
            );
        }
    }
    for (i, logon) in state.logons.iter().enumerate() {
        if logon.trim().is_empty() {
            push(&format!("logons[{i}]"), "must not be empty".to_string());
        }
    }
    // These values are written into SOAP and Autodiscover answers: a character XML cannot
    // hold would make every later answer for the mailbox unreadable.
    let properties = &state.properties;
    let texts = [("display_name".to_string(), Some(&state.display_name))]
        .into_iter()
        .chain(
            state
                .logons
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("logons[{i}]"), Some(l))),
        )
        .chain([
            (
                "properties.play_on_phone_dial_string".to_string(),
                properties.play_on_phone_dial_string.as_ref(),
            ),
            (
                "properties.telephone_access_folder_email".to_string(),
                properties.telephone_access_folder_email.as_ref(),
            ),
        ]);
    for (key, text) in texts {
        if let Some(c) = text.and_then(|t| t.chars().find(|c| !is_xml_char(*c))) {
            push(
                &key,
                format!("character U+{:04X} cannot be written in XML", u32::from(c)),
            );
        }
    }
    out
}

/// Problems of names (addresses and logons) that more than one mailbox answers to, each
/// reported at the later mailbox: (index of the mailbox, key, problem).
pub(crate) fn duplicate_names<'a>(
    states: impl Iterator<Item = (usize, &'a MailboxState)>,
) -> Vec<(usize, String, String)> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, state) in states {
        let names = std::iter::once(("smtp_address".to_string(), &state.smtp_address)).chain(
            state
                .logons
                .iter()
                .enumerate()
                .map(|(j, l)| (format!("logons[{j}]"), l)),
        );
        for (key, name) in names {
            let lower = name.to_lowercase();
            match seen.get(&lower) {
                Some(first) if !first.starts_with(&format!("mailboxes[{i}].")) => {
                    out.push((i, key, format!("'{name}' is already used by {first}")));
                }
                _ => {
                    seen.entry(lower)
                        .or_insert_with(|| format!("mailboxes[{i}].{key}"));
                }
            }
        }
    }
    out
}

/// A mailbox at run time: its state plus what the admin API never shows.
#[derive(Debug, Clone)]
pub(crate) struct Mailbox {
    pub(crate) state: MailboxState,
    pub(crate) password: Option<String>,
    /// This mailbox's own PIN generator (see [`mailbox_rng`]).
    pub(crate) rng: StdRng,
}

impl Mailbox {
    /// The mailbox a (validated) fixture describes; a UM-enabled mailbox without a PIN gets one.
    pub(crate) fn from_fixture(
        fixture: &MailboxFixture,
        policy: &PinPolicy,
        seed: Option<u64>,
    ) -> Self {
        let mut mailbox = Mailbox {
            state: fixture.state(),
            password: fixture.password.clone(),
            rng: mailbox_rng(seed, &fixture.smtp_address),
        };
        if mailbox.state.pin.is_none() && mailbox.state.um_enabled {
            let pin = policy.generate(&[], mailbox.state.extension.as_deref(), &mut mailbox.rng);
            mailbox.state.pin_history = vec![pin.clone()];
            mailbox.state.pin = Some(pin);
        }
        mailbox
    }

    /// Whether `user` names this mailbox (address or any logon, case-insensitively).
    pub(crate) fn answers_to(&self, user: &str) -> bool {
        self.state.smtp_address.eq_ignore_ascii_case(user)
            || self
                .state
                .logons
                .iter()
                .any(|l| l.to_lowercase() == user.to_lowercase())
    }

    /// What ResetPIN does to the mailbox: a new PIN under `policy`, expired, lockout and failed
    /// logons cleared, history appended. Returns the new PIN.
    pub(crate) fn reset_pin(&mut self, policy: &PinPolicy) -> String {
        let pin = policy.generate(
            &self.state.pin_history,
            self.state.extension.as_deref(),
            &mut self.rng,
        );
        self.set_pin(pin.clone(), policy);
        self.state.pin_expired = true;
        self.state.locked_out = false;
        self.state.failed_logons = 0;
        pin
    }

    /// Makes `pin` current and keeps the last `pin_history_count` PINs.
    pub(crate) fn set_pin(&mut self, pin: String, policy: &PinPolicy) {
        self.state.pin_history.push(pin.clone());
        self.trim_history(policy);
        self.state.pin = Some(pin);
    }

    /// Keeps only the last `pin_history_count` PINs of the history.
    fn trim_history(&mut self, policy: &PinPolicy) {
        let history = &mut self.state.pin_history;
        let keep = policy.pin_history_count as usize;
        if history.len() > keep {
            history.drain(..history.len() - keep);
        }
    }
}

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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

/// A change to [`MailboxProperties`]; unset fields stay.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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
    /// `mailbox` with this change applied (the caller checks and commits it).
    pub(crate) fn applied_to(
        &self,
        mailbox: &Mailbox,
        policies: &BTreeMap<String, PinPolicy>,
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
                    next.set_pin(pin.clone(), policy)
                }
                _ => next.state.pin = Some(pin.clone()),
            }
        }
        // A new policy that keeps fewer PINs applies to the history at once, not at the next reset.
        if let Some(policy) = policies.get(&next.state.policy) {
            next.trim_history(policy);
        }
        next
    }
}

fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *target = value.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_xml_cannot_hold_is_a_problem_wherever_it_is_set() {
        let policies = BTreeMap::from([(
            DEFAULT_POLICY.to_string(),
            PinPolicy::exchange_default(DEFAULT_POLICY),
        )]);
        let dial_plans = BTreeMap::new();
        let refs = References {
            policies: &policies,
            dial_plans: &dial_plans,
        };
        let mut state: MailboxFixture =
            serde_json::from_str(r#"{"smtp_address": "a@x.com", "extension": "100"}"#).unwrap();
        state.display_name = Some("A\u{1}".into());
        state.properties.play_on_phone_dial_string = Some("555\u{FFFE}".into());

        let keys: Vec<_> = problems(&state.state(), &refs)
            .into_iter()
            .map(|(k, _)| k)
            .collect();

        assert_eq!(
            keys,
            ["display_name", "properties.play_on_phone_dial_string"]
        );
    }
}
