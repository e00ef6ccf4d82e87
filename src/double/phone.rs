//! The library's side of phone logon, the PIN change and the clock: the same world methods as
//! `/__admin/mailboxes/{address}/logon`, `/pin` and `/__admin/clock`.

use std::time::{Duration, SystemTime};

use super::UmDouble;
use crate::domain::mailbox::{LogonOutcome, MailboxState};
use crate::state::{ClockChange, PinChanged};
use crate::vocab::time::Timestamp;

impl UmDouble {
    /// Signs in to `address` by phone with `pin`, as Outlook Voice Access would: counts a wrong
    /// PIN (resetting the PIN every `logon_failures_before_pin_reset` failures, with an
    /// `AutoResetPIN` email, and locking out at `max_logon_attempts`), and says whether the PIN
    /// must be changed. An unknown mailbox or a PIN that is not digits is an error.
    ///
    /// ```
    /// # use exchange_um_mock::{LogonResult, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange: alice's fixture PIN is 135790; Exchange's default policy.
    /// let server = UmMockServer::start().await;
    ///
    /// // Act: five wrong PINs, then the fixture PIN.
    /// let wrong: Vec<_> = (0..5).map(|_| server.phone_logon("alice@contoso.com", "000000").unwrap()).collect();
    /// let right = server.phone_logon("alice@contoso.com", "135790").unwrap();
    ///
    /// // Assert: the fifth failure reset the PIN, so the old one no longer signs in.
    /// assert_eq!(wrong[4].result, LogonResult::WrongPin);
    /// assert!(wrong[4].pin_reset);
    /// assert_eq!(right.result, LogonResult::WrongPin);
    /// assert_eq!(server.emails()[0].operation, "AutoResetPIN");
    /// # }
    /// ```
    pub fn phone_logon(&self, address: &str, pin: &str) -> Result<LogonOutcome, Vec<String>> {
        self.shared()
            .with(|w| w.phone_logon(address, pin))
            .map_err(|refusal| vec![refusal.message()])
    }

    /// Signs in to `address` with `old` and chooses `new`, as at the phone prompt: the mailbox
    /// with its new PIN (current, not expired; no email). A wrong `old` counts as a failed
    /// logon (see [`UmDouble::phone_logon`]) and is an error; so is a `new` the policy refuses,
    /// with every reason, and then nothing changes.
    ///
    /// ```
    /// # use exchange_um_mock::{LogonResult, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let refused = server.change_pin("alice@contoso.com", "135790", "1111").unwrap_err();
    /// let alice = server.change_pin("alice@contoso.com", "135790", "246813").unwrap();
    ///
    /// // Assert
    /// assert_eq!(refused.len(), 2, "{refused:?}"); // too short, one repeated digit
    /// assert_eq!(alice.pin.as_deref(), Some("246813"));
    /// let logon = server.phone_logon("alice@contoso.com", "246813").unwrap();
    /// assert_eq!(logon.result, LogonResult::Ok);
    /// # }
    /// ```
    pub fn change_pin(
        &self,
        address: &str,
        old: &str,
        new: &str,
    ) -> Result<MailboxState, Vec<String>> {
        match self.shared().with(|w| w.change_pin(address, old, new)) {
            Ok(PinChanged::Changed(state)) => Ok(*state),
            Ok(PinChanged::Refused(problems)) => Err(problems),
            Ok(PinChanged::NotSignedIn(outcome)) => Err(vec![format!(
                "the old PIN did not sign in: {} ({} failed logons{}{})",
                outcome.result.word(),
                outcome.failed_logons,
                if outcome.locked_out {
                    ", locked out"
                } else {
                    ""
                },
                if outcome.pin_reset {
                    ", PIN reset automatically"
                } else {
                    ""
                },
            )]),
            Err(refusal) => Err(vec![refusal.message()]),
        }
    }

    /// The double's time: the system's, unless moved by [`UmDouble::advance_clock`] or
    /// [`UmDouble::set_clock`].
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// let now = server.clock();
    ///
    /// // Assert: real time until moved.
    /// let drift = SystemTime::now().duration_since(now).unwrap_or_default();
    /// assert!(drift < Duration::from_secs(5));
    /// # }
    /// ```
    pub fn clock(&self) -> SystemTime {
        self.shared().with(|w| w.now()).to_system()
    }

    /// Moves the double's clock forward: email `sent_at`, journal `received_at`, `pin_set_at`
    /// and PIN expiry follow it; delays, timeouts and call steps stay in real time.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use exchange_um_mock::{LogonResult, UmMockServer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange: alice's fixture PIN, under a policy with a 60-day lifetime.
    /// let server = UmMockServer::start().await;
    ///
    /// // Act
    /// server.advance_clock(Duration::from_secs(61 * 24 * 3600));
    ///
    /// // Assert: the PIN has expired.
    /// let logon = server.phone_logon("alice@contoso.com", "135790").unwrap();
    /// assert_eq!(logon.result, LogonResult::ChangeRequired);
    /// # }
    /// ```
    pub fn advance_clock(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.shared()
            .with(|w| w.change_clock(ClockChange::Advance { ms }));
    }

    /// Sets the double's clock to `to` (it runs on from there), between 1970 and 9999.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// let new_year = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01
    ///
    /// // Act
    /// server.set_clock(new_year);
    ///
    /// // Assert
    /// let drift = server.clock().duration_since(new_year).unwrap();
    /// assert!(drift < Duration::from_secs(5));
    /// # }
    /// ```
    pub fn set_clock(&self, to: SystemTime) {
        let to = Timestamp::from_system(to);
        self.shared().with(|w| w.change_clock(ClockChange::Set(to)));
    }

    /// Back to real time ([`UmDouble::reset`] does this too).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use exchange_um_mock::UmMockServer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Arrange
    /// let server = UmMockServer::start().await;
    /// server.advance_clock(Duration::from_secs(3600));
    ///
    /// // Act
    /// server.reset_clock();
    ///
    /// // Assert
    /// let drift = SystemTime::now().duration_since(server.clock()).unwrap_or_default();
    /// assert!(drift < Duration::from_secs(5));
    /// # }
    /// ```
    pub fn reset_clock(&self) {
        self.shared()
            .with(|w| w.change_clock(ClockChange::RealTime));
    }
}
