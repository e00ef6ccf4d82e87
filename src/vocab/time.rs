//! Wall-clock timestamps in the two formats the double writes: RFC 3339 (JSON) and RFC 5322
//! (the `Date:` header of a captured email). Small enough not to need a date crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, kept as milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timestamp(u64);

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

impl Timestamp {
    pub(crate) fn now() -> Self {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Timestamp(since.as_millis() as u64)
    }

    /// `2026-11-27T09:00:00.123Z`. Written digit by digit: it runs for every request and
    /// every email, and `format!` with padding cost several times more.
    pub(crate) fn rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = self.civil();
        let mut out = String::with_capacity(24);
        digits(&mut out, y.clamp(0, 9999) as u64, 4);
        out.push('-');
        digits(&mut out, u64::from(mo), 2);
        out.push('-');
        digits(&mut out, u64::from(d), 2);
        out.push('T');
        digits(&mut out, h, 2);
        out.push(':');
        digits(&mut out, mi, 2);
        out.push(':');
        digits(&mut out, s, 2);
        out.push('.');
        digits(&mut out, self.0 % 1000, 3);
        out.push('Z');
        out
    }

    /// `Fri, 27 Nov 2026 09:00:00 +0000`
    pub(crate) fn rfc5322(self) -> String {
        let (y, mo, d, h, mi, s) = self.civil();
        let weekday = WEEKDAYS[((self.0 / 86_400_000) % 7) as usize];
        format!(
            "{weekday}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} +0000",
            MONTHS[(mo - 1) as usize]
        )
    }

    /// Calendar fields in UTC (Howard Hinnant's days-to-civil algorithm).
    fn civil(self) -> (i64, u32, u32, u64, u64, u64) {
        let secs = self.0 / 1000;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
    }
}

/// Appends `value` as exactly `width` decimal digits (zero-padded; `value` fits).
fn digits(out: &mut String, value: u64, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u64.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn formats_a_known_instant_in_both_formats() {
        // 2026-11-27T09:00:00.123Z was a Friday.
        let t = Timestamp(1_795_770_000_123);
        assert_eq!(t.rfc3339(), "2026-11-27T09:00:00.123Z");
        assert_eq!(t.rfc5322(), "Fri, 27 Nov 2026 09:00:00 +0000");
    }

    #[test]
    fn formats_the_epoch_and_a_leap_day() {
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(951_782_400_000).rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
