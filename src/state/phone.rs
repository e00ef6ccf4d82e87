//! Phone logon, the PIN change and the clock, as world methods: each computes on a draft of
//! the mailbox and commits it whole (mailbox and `AutoResetPIN` email together), under the one
//! lock, so concurrent logons for one mailbox are counted exactly.

use serde::Serialize;

use super::World;
use crate::domain::mailbox::{Logon, LogonOutcome, Mailbox, MailboxState, PinChange};
use crate::domain::pin::PinPolicy;
use crate::operations::pin_email;
use crate::vocab::time::Timestamp;

/// The `operation` of the email Exchange's automatic PIN reset sends.
const AUTO_RESET: &str = "AutoResetPIN";

/// Why a phone logon or PIN change was not even tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhoneRefusal {
    /// No mailbox has this address.
    NoMailbox(String),
    /// The named field (`pin`, `old_pin`) is not a digit string.
    NotDigits(&'static str),
}

impl PhoneRefusal {
    /// The sentence the admin API and the library report.
    pub(crate) fn message(&self) -> String {
        match self {
            PhoneRefusal::NoMailbox(address) => format!("no mailbox '{address}'"),
            PhoneRefusal::NotDigits(field) => format!("{field} must be digits only (0-9)"),
        }
    }
}

/// What a PIN change did.
#[derive(Debug, Clone)]
pub(crate) enum PinChanged {
    /// The mailbox with its new PIN.
    Changed(Box<MailboxState>),
    /// The old PIN did not sign in; its logon (counted) answers.
    NotSignedIn(LogonOutcome),
    /// Every reason the policy refuses the new PIN; nothing changed.
    Refused(Vec<String>),
}

/// The clock as `GET /__admin/clock` shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClockView {
    pub(crate) now: String,
    pub(crate) offset_ms: i64,
}

/// A change of the double's clock.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ClockChange {
    Advance { ms: u64 },
    Set(Timestamp),
    RealTime,
}

fn digits(field: &'static str, value: &str) -> Result<(), PhoneRefusal> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PhoneRefusal::NotDigits(field));
    }
    Ok(())
}

impl World {
    /// A phone logon with `pin` to the mailbox `address`, as Outlook Voice Access takes it.
    pub(crate) fn phone_logon(
        &mut self,
        address: &str,
        pin: &str,
    ) -> Result<LogonOutcome, PhoneRefusal> {
        digits("pin", pin)?;
        let index = self.phone_mailbox(address)?;
        let (policy, now) = (self.policy_of(index), self.clock.now());
        let mut draft = self.mailboxes[index].clone();
        let logon = draft.phone_logon(pin, &policy, now);
        Ok(self.commit_logon(index, draft, logon))
    }

    /// The user signs in with `old` and chooses `new` at the phone prompt.
    pub(crate) fn change_pin(
        &mut self,
        address: &str,
        old: &str,
        new: &str,
    ) -> Result<PinChanged, PhoneRefusal> {
        digits("old_pin", old)?;
        let index = self.phone_mailbox(address)?;
        let (policy, now) = (self.policy_of(index), self.clock.now());
        let mut draft = self.mailboxes[index].clone();
        Ok(match draft.change_pin(old, new, &policy, now) {
            PinChange::Changed => {
                let state = draft.state.clone();
                self.replace_mailbox(index, draft);
                PinChanged::Changed(Box::new(state))
            }
            PinChange::NotSignedIn(logon) => {
                PinChanged::NotSignedIn(self.commit_logon(index, draft, logon))
            }
            PinChange::Refused(problems) => PinChanged::Refused(problems),
        })
    }

    fn phone_mailbox(&self, address: &str) -> Result<usize, PhoneRefusal> {
        self.mailbox_index(address)
            .ok_or_else(|| PhoneRefusal::NoMailbox(address.to_string()))
    }

    fn policy_of(&self, index: usize) -> PinPolicy {
        self.fixtures
            .policies
            .get(&self.mailboxes[index].state.policy)
            .expect("a mailbox's policy exists: fixtures and PATCH both check it")
            .clone()
    }

    /// Makes the logon's draft current and captures the email of an automatic reset with it.
    fn commit_logon(&mut self, index: usize, draft: Mailbox, logon: Logon) -> LogonOutcome {
        let email = logon.new_pin.map(|pin| {
            let policy = self.policy_of(index);
            pin_email(&self.fixtures, &draft.state, &policy, pin, AUTO_RESET, None)
        });
        self.replace_mailbox(index, draft);
        if let Some(email) = email {
            self.send_email(email, None);
        }
        logon.outcome
    }

    // The clock.

    pub(crate) fn clock(&self) -> ClockView {
        ClockView {
            now: self.clock.now().rfc3339(),
            offset_ms: self.clock.offset_ms(),
        }
    }

    /// The double's time now.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Moves, sets or restores the clock; the clock afterwards.
    pub(crate) fn change_clock(&mut self, change: ClockChange) -> ClockView {
        match change {
            ClockChange::Advance { ms } => self.clock.advance(ms),
            ClockChange::Set(to) => self.clock.set(to),
            ClockChange::RealTime => self.clock.real_time(),
        }
        self.clock()
    }
}
