//! Phone logon (Outlook Voice Access) and the PIN change at the phone prompt, with the rules
//! Exchange applies: failed logons counted, an automatic PIN reset every
//! `logon_failures_before_pin_reset` failures, lockout at `max_logon_attempts`, and expiry.
//! Pure over a mailbox (a draft: the world commits it whole); the email an automatic reset
//! sends is the caller's to make.

use serde::{Deserialize, Serialize};

use super::Mailbox;
use crate::domain::pin::PinPolicy;
use crate::vocab::time::Timestamp;

/// How a phone logon went (`"result"` in the JSON of `POST /__admin/mailboxes/{address}/logon`).
///
/// ```
/// use exchange_um_mock::LogonResult;
///
/// // Arrange
/// let json = r#""change_required""#;
///
/// // Act
/// let result: LogonResult = serde_json::from_str(json).unwrap();
///
/// // Assert
/// assert_eq!(result, LogonResult::ChangeRequired);
/// assert_eq!(serde_json::to_string(&LogonResult::WrongPin).unwrap(), r#""wrong_pin""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogonResult {
    /// The mailbox is not enabled for Unified Messaging; nothing changed.
    NotUmEnabled,
    /// The mailbox is locked out (nothing changed), or this failure locked it out.
    LockedOut,
    /// The PIN was wrong: one more failed logon (and maybe an automatic PIN reset).
    WrongPin,
    /// The PIN was right but must be changed: marked expired, past its lifetime, or shorter
    /// than the policy now asks. The failed-logon count is back to 0.
    ChangeRequired,
    /// Signed in. The failed-logon count is back to 0.
    Ok,
}

impl LogonResult {
    /// The JSON word (`"wrong_pin"`…).
    pub(crate) fn word(self) -> &'static str {
        match self {
            LogonResult::NotUmEnabled => "not_um_enabled",
            LogonResult::LockedOut => "locked_out",
            LogonResult::WrongPin => "wrong_pin",
            LogonResult::ChangeRequired => "change_required",
            LogonResult::Ok => "ok",
        }
    }
}

/// The answer to a phone logon, as `POST /__admin/mailboxes/{address}/logon` gives it.
///
/// ```
/// use exchange_um_mock::{LogonOutcome, LogonResult};
///
/// // Arrange
/// let json = r#"{"result": "wrong_pin", "failed_logons": 5, "locked_out": false, "pin_reset": true}"#;
///
/// // Act
/// let outcome: LogonOutcome = serde_json::from_str(json).unwrap();
///
/// // Assert: the fifth failure under Exchange's default policy reset the PIN.
/// assert_eq!(outcome.result, LogonResult::WrongPin);
/// assert!(outcome.pin_reset);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogonOutcome {
    /// How it went.
    pub result: LogonResult,
    /// Failed logons after this one.
    pub failed_logons: u32,
    /// Locked out after this one.
    pub locked_out: bool,
    /// This failure made Exchange reset the PIN (an `AutoResetPIN` email was captured).
    pub pin_reset: bool,
}

/// A logon carried out on a mailbox: the outcome, and the PIN an automatic reset generated
/// (for the email).
#[derive(Debug, Clone)]
pub(crate) struct Logon {
    pub(crate) outcome: LogonOutcome,
    pub(crate) new_pin: Option<String>,
}

/// A PIN change carried out on a mailbox.
#[derive(Debug, Clone)]
pub(crate) enum PinChange {
    /// The new PIN is current.
    Changed,
    /// The old PIN did not sign in: the logon's effects stand (a failure counted, maybe an
    /// automatic reset or a lockout).
    NotSignedIn(Logon),
    /// The old PIN was right but the policy refuses the new one: every reason. The caller
    /// must drop the mailbox: nothing changes.
    Refused(Vec<String>),
}

impl Mailbox {
    /// A phone logon with `pin` at `now` under `policy`.
    pub(crate) fn phone_logon(&mut self, pin: &str, policy: &PinPolicy, now: Timestamp) -> Logon {
        let state = &mut self.state;
        let result = if !state.um_enabled {
            LogonResult::NotUmEnabled
        } else if state.locked_out {
            LogonResult::LockedOut
        } else if state.pin.as_deref() == Some(pin) {
            state.failed_logons = 0;
            if self.must_change_pin(policy, now) {
                LogonResult::ChangeRequired
            } else {
                LogonResult::Ok
            }
        } else {
            state.failed_logons = state.failed_logons.saturating_add(1);
            let failed = state.failed_logons;
            let every = policy.logon_failures_before_pin_reset;
            if failed >= policy.max_logon_attempts {
                state.locked_out = true;
                LogonResult::LockedOut
            } else if every > 0 && failed % every == 0 {
                let pin = self.generate_expired_pin(policy, now);
                return self.logon(LogonResult::WrongPin, Some(pin));
            } else {
                LogonResult::WrongPin
            }
        };
        self.logon(result, None)
    }

    fn logon(&self, result: LogonResult, new_pin: Option<String>) -> Logon {
        Logon {
            outcome: LogonOutcome {
                result,
                failed_logons: self.state.failed_logons,
                locked_out: self.state.locked_out,
                pin_reset: new_pin.is_some(),
            },
            new_pin,
        }
    }

    /// Whether the right PIN still has to be changed: marked expired, past its lifetime, or
    /// shorter than the policy asks.
    fn must_change_pin(&self, policy: &PinPolicy, now: Timestamp) -> bool {
        let short = self
            .state
            .pin
            .as_ref()
            .is_some_and(|pin| pin.len() < policy.min_pin_length as usize);
        self.state.pin_expired || short || self.pin_expires(policy).is_some_and(|at| now >= at)
    }

    /// The user signs in with `old` and chooses `new` at the phone prompt, at `now`.
    pub(crate) fn change_pin(
        &mut self,
        old: &str,
        new: &str,
        policy: &PinPolicy,
        now: Timestamp,
    ) -> PinChange {
        let logon = self.phone_logon(old, policy, now);
        if !matches!(
            logon.outcome.result,
            LogonResult::Ok | LogonResult::ChangeRequired
        ) {
            return PinChange::NotSignedIn(logon);
        }
        let problems = policy.pin_problems(
            new,
            self.state.extension.as_deref(),
            &self.state.pin_history,
        );
        if !problems.is_empty() {
            return PinChange::Refused(problems);
        }
        self.set_pin(new.to_string(), policy, now);
        self.state.pin_expired = false;
        self.state.failed_logons = 0;
        PinChange::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mailbox::MailboxFixture;

    fn alice(policy: &PinPolicy, now: Timestamp) -> Mailbox {
        let fixture: MailboxFixture = serde_json::from_str(
            r#"{"smtp_address": "a@x.com", "extension": "4001", "pin": "135790"}"#,
        )
        .unwrap();
        Mailbox::from_fixture(&fixture, policy, &Default::default(), Some(7), now)
    }

    #[test]
    fn exchange_defaults_reset_at_5_and_10_and_lock_out_at_15() {
        let policy = PinPolicy::exchange_default("Default");
        let now = Timestamp::now();
        let mut mailbox = alice(&policy, now);

        let outcomes: Vec<_> = (0..16)
            .map(|_| mailbox.phone_logon("000001", &policy, now).outcome)
            .collect();

        let resets: Vec<u32> = outcomes
            .iter()
            .filter(|o| o.pin_reset)
            .map(|o| o.failed_logons)
            .collect();
        assert_eq!(resets, [5, 10]);
        assert_eq!(outcomes[13].result, LogonResult::WrongPin);
        assert_eq!(
            (outcomes[14].result, outcomes[14].failed_logons),
            (LogonResult::LockedOut, 15)
        );
        assert!(outcomes[14].locked_out && !outcomes[14].pin_reset);
        assert_eq!(
            outcomes[15].failed_logons, 15,
            "nothing changes once locked"
        );
        assert_eq!(mailbox.state.pin_history.len(), 3);
        assert!(mailbox.state.pin_expired);
    }

    #[test]
    fn a_pin_past_its_lifetime_must_be_changed_and_a_change_makes_it_current() {
        let policy = PinPolicy::exchange_default("Default");
        let then = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let mut mailbox = alice(&policy, then);
        let later = then.plus_days(60);

        let before = mailbox.phone_logon("135790", &policy, then.plus_days(59));
        let after = mailbox.phone_logon("135790", &policy, later);
        let change = mailbox.change_pin("135790", "246801", &policy, later);

        assert_eq!(before.outcome.result, LogonResult::Ok);
        assert_eq!(after.outcome.result, LogonResult::ChangeRequired);
        assert!(matches!(change, PinChange::Changed));
        // Changed on 2026-03-02 (day 60), so it lasts until day 120.
        assert_eq!(
            mailbox.state.pin_expires_at.as_deref(),
            Some("2026-05-01T00:00:00.000Z")
        );
        let again = mailbox.phone_logon("246801", &policy, later);
        assert_eq!(again.outcome.result, LogonResult::Ok);
    }
}
