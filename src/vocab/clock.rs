//! [`Clock`]: the double's own time, the system's time plus an offset a test can move
//! (`/__admin/clock`), so a PIN can expire without waiting 60 days.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use super::time::Timestamp;

/// The double's clock: every time it writes (`sent_at`, `received_at`, `pin_set_at`, a call's
/// `started_at`) and PIN expiry come from it. Delays, timeouts and call steps use `Instant` and
/// stay in real time.
///
/// Clones share one offset. An atomic rather than a field under the state lock: a request's
/// `received_at` is stamped before the lock is taken; the world changes it under the lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The double's time now.
    pub(crate) fn now(&self) -> Timestamp {
        self.at(SystemTime::now())
    }

    /// The double's time at the system time `system`.
    pub(crate) fn at(&self, system: SystemTime) -> Timestamp {
        Timestamp::from_system(system).shifted(self.offset_ms())
    }

    /// How far the clock is from the system's, in milliseconds (0 = real time).
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `ms`.
    pub(crate) fn advance(&self, ms: u64) {
        let ms = i64::try_from(ms).unwrap_or(i64::MAX);
        // `fetch_update` so that two advances at once both count.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(ms))
            });
    }

    /// Makes the clock read `to` now (and run on from there).
    pub(crate) fn set(&self, to: Timestamp) {
        let real = Timestamp::now();
        let offset = i128::from(to.millis()) - i128::from(real.millis());
        self.offset_ms.store(offset as i64, Ordering::SeqCst);
    }

    /// Back to the system's time.
    pub(crate) fn real_time(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advance_moves_every_clone_and_real_time_undoes_it() {
        let clock = Clock::default();
        let other = clock.clone();
        let before = clock.now();

        clock.advance(86_400_000);

        assert!(other.now().millis() >= before.millis() + 86_400_000);
        assert_eq!(other.offset_ms(), 86_400_000);
        other.real_time();
        assert_eq!(clock.offset_ms(), 0);
    }

    #[test]
    fn a_set_clock_reads_the_time_it_was_set_to() {
        let clock = Clock::default();
        let to = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();

        clock.set(to);

        let drift = clock.now().millis() - to.millis();
        assert!(drift < 1000, "{drift} ms");
    }
}
