//! PIN policy (a UM mailbox policy's PIN settings) and PIN generation under it.
//!
//! Generation is rejection sampling over uniformly random digit strings of the policy's exact
//! length, so every allowed PIN is equally likely. Each mailbox owns its own RNG, seeded from the
//! server seed and the mailbox address: PIN sequences are reproducible per mailbox however
//! requests for different mailboxes interleave.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The PIN settings of a UM mailbox policy. Defaults are Exchange's.
///
/// ```
/// use exchange_um_mock::PinPolicy;
///
/// // Arrange
/// let json = r#"{"name": "Strict", "min_pin_length": 8, "pin_history_count": 10}"#;
///
/// // Act
/// let policy: PinPolicy = serde_json::from_str(json).unwrap();
///
/// // Assert: unset keys take Exchange's defaults.
/// assert_eq!((policy.min_pin_length, policy.max_logon_attempts), (8, 15));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "The PIN settings of a UM mailbox policy; unset keys take Exchange's defaults."
)]
#[non_exhaustive]
pub struct PinPolicy {
    /// The policy's name, referenced by mailboxes.
    #[schemars(pattern(crate::domain::patterns::NOT_BLANK))]
    pub name: String,
    /// Digits in a generated PIN; the minimum for a PIN set by fixture or admin API (4–24).
    #[serde(default = "defaults::min_pin_length")]
    #[schemars(range(min = 4, max = 24))]
    pub min_pin_length: u32,
    /// A new PIN differs from this many previous PINs, the current one included (1–20).
    #[serde(default = "defaults::pin_history_count")]
    #[schemars(range(min = 1, max = 20))]
    pub pin_history_count: u32,
    /// When false, PINs of one repeated digit or one ascending/descending run are refused.
    #[serde(default)]
    pub allow_common_patterns: bool,
    /// Days until a PIN expires by the double's clock, 0 = never (0–999).
    #[serde(default = "defaults::pin_lifetime_days")]
    #[schemars(range(min = 0, max = 999))]
    pub pin_lifetime_days: u32,
    /// Failed phone logons that lock the mailbox out (1–999).
    #[serde(default = "defaults::max_logon_attempts")]
    #[schemars(range(min = 1, max = 999))]
    pub max_logon_attempts: u32,
    /// Failed phone logons before an automatic reset (0–999, 0 = never), less than
    /// `max_logon_attempts`.
    #[serde(default = "defaults::logon_failures_before_pin_reset")]
    #[schemars(range(min = 0, max = 999))]
    pub logon_failures_before_pin_reset: u32,
    /// Text appended to every PIN email of mailboxes under this policy (≤ 512 characters).
    #[serde(default)]
    #[schemars(length(max = 512))]
    pub reset_pin_text: String,
}

mod defaults {
    pub(super) fn min_pin_length() -> u32 {
        6
    }
    pub(super) fn pin_history_count() -> u32 {
        5
    }
    pub(super) fn pin_lifetime_days() -> u32 {
        60
    }
    pub(super) fn max_logon_attempts() -> u32 {
        15
    }
    pub(super) fn logon_failures_before_pin_reset() -> u32 {
        5
    }
}

/// Longest PIN Exchange accepts.
pub(crate) const MAX_PIN_LENGTH: usize = 24;

impl PinPolicy {
    /// Exchange's default policy under the given name.
    pub(crate) fn exchange_default(name: &str) -> Self {
        PinPolicy {
            name: name.to_string(),
            min_pin_length: defaults::min_pin_length(),
            pin_history_count: defaults::pin_history_count(),
            allow_common_patterns: false,
            pin_lifetime_days: defaults::pin_lifetime_days(),
            max_logon_attempts: defaults::max_logon_attempts(),
            logon_failures_before_pin_reset: defaults::logon_failures_before_pin_reset(),
            reset_pin_text: String::new(),
        }
    }

    /// Every out-of-range setting, as (key, problem).
    pub(crate) fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut range = |key: &'static str, value: u32, lo: u32, hi: u32| {
            if !(lo..=hi).contains(&value) {
                out.push((key, format!("{value} is out of range {lo}–{hi}")));
            }
        };
        range(
            "min_pin_length",
            self.min_pin_length,
            4,
            MAX_PIN_LENGTH as u32,
        );
        range("pin_history_count", self.pin_history_count, 1, 20);
        range("pin_lifetime_days", self.pin_lifetime_days, 0, 999);
        range("max_logon_attempts", self.max_logon_attempts, 1, 999);
        range(
            "logon_failures_before_pin_reset",
            self.logon_failures_before_pin_reset,
            0,
            999,
        );
        if self.logon_failures_before_pin_reset >= self.max_logon_attempts {
            out.push((
                "logon_failures_before_pin_reset",
                format!(
                    "{} must be less than max_logon_attempts ({})",
                    self.logon_failures_before_pin_reset, self.max_logon_attempts
                ),
            ));
        }
        let chars = self.reset_pin_text.chars().count();
        if chars > 512 {
            out.push((
                "reset_pin_text",
                format!("{chars} characters, at most 512 allowed"),
            ));
        }
        if self.name.trim().is_empty() {
            out.push(("name", "must not be empty".to_string()));
        }
        out
    }

    /// Every reason `pin` is not acceptable as a PIN set by fixture, admin API or a PIN
    /// change, each a sentence naming the PIN; empty if it is acceptable. `recent` is the
    /// history a new PIN must differ from (oldest first, current PIN last; only the last
    /// `pin_history_count` count): empty for a fixture or `PATCH`, the mailbox's history for a
    /// PIN change. Generation checks its draws with the same rules ([`PinPolicy::generate`]).
    pub(crate) fn pin_problems(
        &self,
        pin: &str,
        extension: Option<&str>,
        recent: &[String],
    ) -> Vec<String> {
        let mut out = Vec::new();
        let digits = !pin.is_empty() && pin.bytes().all(|b| b.is_ascii_digit());
        if !digits {
            out.push(format!("PIN '{pin}' must be digits only"));
        }
        let min = self.min_pin_length as usize;
        let len = pin.chars().count();
        if len < min || len > MAX_PIN_LENGTH {
            let what = if digits { "digits" } else { "characters" };
            out.push(format!(
                "PIN '{pin}' has {len} {what}; policy '{}' needs {min} to {MAX_PIN_LENGTH}",
                self.name
            ));
        }
        for why in self.rule_breaks(pin, extension, recent, digits) {
            out.push(format!("PIN '{pin}' {why} (policy '{}')", self.name));
        }
        out
    }

    /// The pattern, extension and history rules `pin` breaks. Pattern rules apply to digit
    /// strings only (anything else is refused as not digits already).
    fn rule_breaks(
        &self,
        pin: &str,
        extension: Option<&str>,
        history: &[String],
        digits: bool,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(ext) = extension.filter(|e| !e.is_empty()) {
            if pin.contains(ext) {
                out.push(format!("contains the extension {ext}"));
            }
        }
        if !self.allow_common_patterns && digits {
            let bytes = pin.as_bytes();
            let steps = || bytes.windows(2).map(|w| i16::from(w[1]) - i16::from(w[0]));
            if steps().all(|s| s == 0) {
                out.push("is one repeated digit".to_string());
            } else if steps().all(|s| s == 1) || steps().all(|s| s == -1) {
                out.push("is a run of consecutive digits".to_string());
            }
        }
        if self.recent(history).iter().any(|p| p == pin) {
            out.push(format!(
                "is one of the last {} PINs",
                self.pin_history_count
            ));
        }
        out
    }

    /// The last `pin_history_count` entries of `history`.
    fn recent<'h>(&self, history: &'h [String]) -> &'h [String] {
        &history[history
            .len()
            .saturating_sub(self.pin_history_count as usize)..]
    }

    /// A new PIN: exactly `min_pin_length` digits, allowed by the pattern rules, and not among
    /// the last `pin_history_count` entries of `history` (oldest first, current PIN last).
    pub(crate) fn generate(
        &self,
        history: &[String],
        extension: Option<&str>,
        rng: &mut StdRng,
    ) -> String {
        // Terminates with probability 1: with at least 4 digits, at most 20 history entries and
        // a handful of pattern PINs are excluded out of 10,000+, so nearly every draw succeeds.
        loop {
            let pin: String = (0..self.min_pin_length)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            if self.rule_breaks(&pin, extension, history, true).is_empty() {
                return pin;
            }
        }
    }
}

/// The RNG of one mailbox: from the server seed and the address when seeded, else from the OS.
pub(crate) fn mailbox_rng(seed: Option<u64>, address: &str) -> StdRng {
    match seed {
        Some(seed) => {
            // FNV-1a: a stable hash (std's hasher may change between Rust releases).
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in seed
                .to_le_bytes()
                .iter()
                .chain(address.to_ascii_lowercase().as_bytes())
            {
                hash ^= u64::from(*byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            StdRng::seed_from_u64(hash)
        }
        None => StdRng::from_os_rng(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PinPolicy {
        PinPolicy {
            min_pin_length: 4,
            pin_history_count: 20,
            ..PinPolicy::exchange_default("Strict")
        }
    }

    impl PinPolicy {
        fn check_pin(&self, pin: &str, extension: Option<&str>) -> Result<(), String> {
            match self.pin_problems(pin, extension, &[]).first() {
                Some(problem) => Err(problem.clone()),
                None => Ok(()),
            }
        }
    }

    #[test]
    fn every_problem_of_a_pin_is_listed() {
        let policy = PinPolicy::exchange_default("Default");
        let history = ["135790".to_string(), "111111".to_string()];

        let problems = policy.pin_problems("1111", Some("11"), &history);

        assert_eq!(
            problems,
            [
                "PIN '1111' has 4 digits; policy 'Default' needs 6 to 24",
                "PIN '1111' contains the extension 11 (policy 'Default')",
                "PIN '1111' is one repeated digit (policy 'Default')",
            ]
        );
        assert_eq!(
            policy.pin_problems("135790", None, &history),
            ["PIN '135790' is one of the last 5 PINs (policy 'Default')"]
        );
        assert_eq!(
            policy.pin_problems("12a4", None, &[]),
            [
                "PIN '12a4' must be digits only",
                "PIN '12a4' has 4 characters; policy 'Default' needs 6 to 24"
            ]
        );
    }

    #[test]
    fn common_patterns_are_refused_unless_allowed() {
        let policy = PinPolicy::exchange_default("Default");
        for pin in ["111111", "123456", "654321", "456789", "987654"] {
            assert!(
                policy.check_pin(pin, None).is_err(),
                "{pin} should be refused"
            );
        }
        for pin in ["135790", "890123", "112233", "123457"] {
            assert_eq!(
                policy.check_pin(pin, None),
                Ok(()),
                "{pin} should be accepted"
            );
        }
        let lax = PinPolicy {
            allow_common_patterns: true,
            ..policy
        };
        assert_eq!(lax.check_pin("123456", None), Ok(()));
        assert!(
            lax.check_pin("940013", Some("4001")).is_err(),
            "the extension rule always applies"
        );
    }

    #[test]
    fn length_and_digit_rules_name_the_problem() {
        let policy = PinPolicy::exchange_default("Default");
        assert!(policy
            .check_pin("13579", None)
            .unwrap_err()
            .contains("5 digits"));
        assert!(policy
            .check_pin("13a790", None)
            .unwrap_err()
            .contains("digits only"));
        assert!(policy.check_pin(&"1357902468".repeat(3), None).is_err());
    }

    #[test]
    fn generated_pins_obey_every_rule_over_many_draws() {
        let policy = strict();
        let mut rng = mailbox_rng(Some(7), "x@y");
        let mut history = vec!["2468".to_string()];
        for _ in 0..2000 {
            let pin = policy.generate(&history, Some("40"), &mut rng);
            assert_eq!(pin.len(), 4);
            assert!(!pin.contains("40"));
            assert!(policy.check_pin(&pin, Some("40")).is_ok(), "{pin}");
            let recent = &history[history.len().saturating_sub(20)..];
            assert!(!recent.contains(&pin), "{pin} repeats one of the last 20");
            history.push(pin);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_pins_and_another_seed_does_not() {
        let policy = PinPolicy::exchange_default("Default");
        let draw = |seed| {
            let mut rng = mailbox_rng(Some(seed), "alice@contoso.com");
            (0..5)
                .map(|_| policy.generate(&[], None, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn range_problems_are_reported_per_key() {
        let policy = PinPolicy {
            min_pin_length: 3,
            max_logon_attempts: 5,
            logon_failures_before_pin_reset: 5,
            ..PinPolicy::exchange_default("P")
        };
        let keys: Vec<_> = policy.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["min_pin_length", "logon_failures_before_pin_reset"]);
    }
}
