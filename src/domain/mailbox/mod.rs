//! A mailbox: its public state (as the admin API shows it), its fixture form, the checks both
//! fixtures and run-time changes must pass, and the PIN changes a reset makes.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::dial_plan::{effective_language, DialPlan};
use crate::domain::patterns;

mod check;
mod logon;
mod patch;

pub(crate) use check::{duplicate_names, problems, References, MAX_NAME_CHARS};
pub(crate) use logon::{Logon, PinChange};
pub use logon::{LogonOutcome, LogonResult};
pub use patch::{MailboxPatch, PropertiesPatch};

use crate::domain::pin::{mailbox_rng, PinPolicy};
use crate::vocab::time::Timestamp;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(description = "Settings a client changes through the UM operations.")]
#[non_exhaustive]
pub struct MailboxProperties {
    /// Out-of-office greeting on (`SetOofStatus`).
    pub oof_status: bool,
    /// Missed-call notifications on (`SetMissedCallNotificationEnabled`).
    pub missed_call_notification_enabled: bool,
    /// Default number for Play on Phone (`SetPlayOnPhoneDialString`).
    #[schemars(pattern(patterns::xml_text()))]
    pub play_on_phone_dial_string: Option<String>,
    /// Base64 folder id for telephone access to email (`SetTelephoneAccessFolderEmail`).
    #[schemars(pattern(patterns::BASE64))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    /// The language its PIN email is written in, a culture name such as `pt-BR`: its own, else
    /// its dial plan's `default_language`, else `en-US`.
    pub language: String,
    /// Current PIN.
    pub pin: Option<String>,
    /// Previous PINs, oldest first, the current one last.
    pub pin_history: Vec<String>,
    /// The PIN must be changed at next phone logon (set by a reset).
    pub pin_expired: bool,
    /// When the current PIN was set (RFC 3339, UTC, by the double's clock): by the fixtures
    /// being loaded or reset, a ResetPIN, an automatic reset, a PIN change or `PATCH`.
    pub pin_set_at: Option<String>,
    /// When the current PIN expires: `pin_set_at` plus the policy's `pin_lifetime_days`,
    /// whether or not `pin_expired` is set; `None` when the lifetime is 0 (never).
    pub pin_expires_at: Option<String>,
    /// Locked out of phone logon.
    pub locked_out: bool,
    /// Failed phone logons since the last success or reset.
    pub failed_logons: u32,
    /// Settings the UM operations change.
    pub properties: MailboxProperties,
}

/// A mailbox in `mock.json`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// A UM-enabled mailbox (the default) needs an extension.
#[schemars(extend(
    "if" = { "properties": { "um_enabled": { "const": false } }, "required": ["um_enabled"] },
    "else" = { "properties": { "extension": { "type": "string" } }, "required": ["extension"] }
))]
pub(crate) struct MailboxFixture {
    /// Primary SMTP address; the mailbox's key (unique, case-insensitive).
    #[schemars(pattern(patterns::SMTP_ADDRESS), length(max = 256))]
    pub(crate) smtp_address: String,
    /// Other names it signs in with (`CONTOSO\alice`, `alice`, a UPN…), unique across mailboxes.
    #[serde(default)]
    #[schemars(inner(pattern(patterns::one_line_not_blank()), length(max = 256)))]
    pub(crate) logons: Vec<String>,
    /// Display name, one line (default: the local part of the address).
    #[schemars(pattern(patterns::one_line()), length(max = 256))]
    pub(crate) display_name: Option<String>,
    /// The password Basic and NTLM check; `null` accepts any password.
    pub(crate) password: Option<String>,
    /// Enabled for Unified Messaging.
    #[serde(default = "enabled")]
    pub(crate) um_enabled: bool,
    /// UM extension, 1 to 20 digits; needed when `um_enabled`.
    #[schemars(pattern(patterns::EXTENSION))]
    pub(crate) extension: Option<String>,
    /// Name of its PIN policy (default: `Default`).
    pub(crate) policy: Option<String>,
    /// Name of its dial plan.
    pub(crate) dial_plan: Option<String>,
    /// The language of its PIN email, a culture name such as `pt-BR` with wording (built in or
    /// in `mail.languages`); default: its dial plan's `default_language`, else `en-US`.
    #[schemars(pattern(patterns::LANGUAGE))]
    pub(crate) language: Option<String>,
    /// Current PIN, digits valid for the policy (its length, no repeated digit or run unless
    /// it allows common patterns, not containing the extension); generated when absent.
    #[schemars(pattern(patterns::PIN))]
    pub(crate) pin: Option<String>,
    /// The PIN must be changed at next phone logon.
    #[serde(default)]
    pub(crate) pin_expired: bool,
    /// Locked out of phone logon.
    #[serde(default)]
    pub(crate) locked_out: bool,
    /// Failed phone logons so far.
    #[serde(default)]
    pub(crate) failed_logons: u32,
    /// Settings the UM operations change.
    #[serde(default)]
    pub(crate) properties: MailboxProperties,
}

fn enabled() -> bool {
    true
}

/// The policy a mailbox gets when its fixture names none.
pub(crate) const DEFAULT_POLICY: &str = "Default";

impl MailboxFixture {
    /// The state this fixture describes, before any PIN is generated; its language is
    /// resolved against `dial_plans`.
    pub(crate) fn state(&self, dial_plans: &BTreeMap<String, DialPlan>) -> MailboxState {
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
            language: effective_language(
                self.language.as_deref(),
                self.dial_plan.as_deref(),
                dial_plans,
            ),
            pin: self.pin.clone(),
            pin_history: self.pin.iter().cloned().collect(),
            pin_expired: self.pin_expired,
            pin_set_at: None,
            pin_expires_at: None,
            locked_out: self.locked_out,
            failed_logons: self.failed_logons,
            properties: self.properties.clone(),
        }
    }
}

/// Whether `a` and `b` are equal lowercased (Unicode), without allocating: this runs for every
/// logon of every mailbox on every request.
fn same_lowercase(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A mailbox at run time: its state plus what the admin API never shows.
#[derive(Debug, Clone)]
pub(crate) struct Mailbox {
    pub(crate) state: MailboxState,
    pub(crate) password: Option<String>,
    /// The language set on the mailbox itself (fixture or `PATCH`); `state.language` is the
    /// effective one.
    pub(crate) language: Option<String>,
    /// This mailbox's own PIN generator (see [`mailbox_rng`]).
    pub(crate) rng: StdRng,
    /// When the current PIN was set (by the double's clock); `None` without a PIN.
    pin_set: Option<Timestamp>,
}

impl Mailbox {
    /// The mailbox a (validated) fixture describes, loaded at `now`; a UM-enabled mailbox
    /// without a PIN gets one.
    pub(crate) fn from_fixture(
        fixture: &MailboxFixture,
        policy: &PinPolicy,
        dial_plans: &BTreeMap<String, DialPlan>,
        seed: Option<u64>,
        now: Timestamp,
    ) -> Self {
        let mut mailbox = Mailbox {
            state: fixture.state(dial_plans),
            password: fixture.password.clone(),
            language: fixture.language.clone(),
            rng: mailbox_rng(seed, &fixture.smtp_address),
            pin_set: None,
        };
        if mailbox.state.pin.is_none() && mailbox.state.um_enabled {
            let pin = policy.generate(&[], mailbox.state.extension.as_deref(), &mut mailbox.rng);
            mailbox.state.pin_history = vec![pin.clone()];
            mailbox.state.pin = Some(pin);
        }
        mailbox.stamp_pin(now, policy);
        mailbox
    }

    /// Whether `user` names this mailbox (address or any logon, case-insensitively).
    pub(crate) fn answers_to(&self, user: &str) -> bool {
        self.state.smtp_address.eq_ignore_ascii_case(user)
            || self.state.logons.iter().any(|l| same_lowercase(l, user))
    }

    /// What ResetPIN does to the mailbox at `now`: a new PIN under `policy`, expired, lockout
    /// and failed logons cleared, history appended. Returns the new PIN.
    pub(crate) fn reset_pin(&mut self, policy: &PinPolicy, now: Timestamp) -> String {
        let pin = self.generate_expired_pin(policy, now);
        self.state.locked_out = false;
        self.state.failed_logons = 0;
        pin
    }

    /// A new PIN under `policy`, set at `now`, expired, history appended (ResetPIN and the
    /// automatic reset after failed phone logons). Returns it.
    pub(crate) fn generate_expired_pin(&mut self, policy: &PinPolicy, now: Timestamp) -> String {
        let pin = policy.generate(
            &self.state.pin_history,
            self.state.extension.as_deref(),
            &mut self.rng,
        );
        self.set_pin(pin.clone(), policy, now);
        self.state.pin_expired = true;
        pin
    }

    /// Makes `pin` current as of `now` and keeps the last `pin_history_count` PINs.
    pub(crate) fn set_pin(&mut self, pin: String, policy: &PinPolicy, now: Timestamp) {
        self.state.pin_history.push(pin.clone());
        self.trim_history(policy);
        self.state.pin = Some(pin);
        self.stamp_pin(now, policy);
    }

    /// Records that the current PIN (if any) was set at `now`.
    pub(crate) fn stamp_pin(&mut self, now: Timestamp, policy: &PinPolicy) {
        self.pin_set = self.state.pin.as_ref().map(|_| now);
        self.refresh_pin_times(policy);
    }

    /// When the current PIN expires under `policy`; `None` without a PIN or a lifetime.
    pub(crate) fn pin_expires(&self, policy: &PinPolicy) -> Option<Timestamp> {
        let set = self.pin_set?;
        (policy.pin_lifetime_days > 0).then(|| set.plus_days(policy.pin_lifetime_days))
    }

    /// Writes `pin_set_at` and `pin_expires_at` (after the PIN or the policy changed).
    pub(crate) fn refresh_pin_times(&mut self, policy: &PinPolicy) {
        self.state.pin_set_at = self.pin_set.map(Timestamp::rfc3339);
        self.state.pin_expires_at = self.pin_expires(policy).map(Timestamp::rfc3339);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::languages::MailWording;

    #[test]
    fn a_value_xml_cannot_hold_is_a_problem_wherever_it_is_set() {
        let policies = BTreeMap::from([(
            DEFAULT_POLICY.to_string(),
            PinPolicy::exchange_default(DEFAULT_POLICY),
        )]);
        let dial_plans = BTreeMap::new();
        let mail = MailWording::built_in();
        let refs = References {
            policies: &policies,
            dial_plans: &dial_plans,
            mail: &mail,
        };
        let mut state: MailboxFixture =
            serde_json::from_str(r#"{"smtp_address": "a@x.com", "extension": "100"}"#).unwrap();
        state.display_name = Some("A\u{1}".into());
        state.properties.play_on_phone_dial_string = Some("555\u{FFFE}".into());

        let keys: Vec<_> = problems(&state.state(&dial_plans), &refs)
            .into_iter()
            .map(|(k, _)| k)
            .collect();

        assert_eq!(
            keys,
            ["display_name", "properties.play_on_phone_dial_string"]
        );
    }
}
