//! Wall-clock timestamps and the format the double writes them in, RFC 3339 (JSON). Small
//! enough not to need a date crate; a captured email's RFC 5322 `Date:` is lettre's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, kept as milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timestamp(u64);

/// The latest time the double writes: 9999-12-31T23:59:59.999Z (four-digit years).
const LATEST_MS: u64 = 253_402_300_799_999;

impl Timestamp {
    /// The system's time (the double's own clock is [`Clock`](super::clock::Clock)).
    pub(crate) fn now() -> Self {
        Timestamp::from_system(SystemTime::now())
    }

    pub(crate) fn from_system(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        Timestamp((since.as_millis() as u64).min(LATEST_MS))
    }

    pub(crate) fn to_system(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0)
    }

    /// Milliseconds since the Unix epoch.
    pub(crate) fn millis(self) -> u64 {
        self.0
    }

    /// This time moved by `ms` (either way), kept between the epoch and [`LATEST_MS`].
    pub(crate) fn shifted(self, ms: i64) -> Self {
        let moved = i128::from(self.0) + i128::from(ms);
        Timestamp(moved.clamp(0, i128::from(LATEST_MS)) as u64)
    }

    /// This time plus `days` whole days.
    pub(crate) fn plus_days(self, days: u32) -> Self {
        self.shifted(i64::from(days) * 86_400_000)
    }

    /// Reads an RFC 3339 date-time (`2026-11-27T09:00:00Z`, `…T09:00:00.5+01:00`; `t`, `z`
    /// and a space for `T` too), from 1970 to 9999; `None` if it is not one.
    pub(crate) fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let num = |range| num_in(text, range);
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        if !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &text[19..];
        let mut millis = 0;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let first3 = format!("{:0<3}", &fraction[..digits.min(3)]);
            millis = first3.parse::<i64>().ok()?;
            rest = &fraction[digits..];
        }
        let offset_min = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return None;
                }
                let oh = num_in(rest, 1..3)?;
                let om = num_in(rest, 4..6)?;
                if oh > 23 || om > 59 {
                    return None;
                }
                let sign = if rb[0] == b'-' { -1 } else { 1 };
                sign * (oh * 60 + om)
            }
        };
        let month_days = [
            31,
            28 + i64::from(is_leap(y)),
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if !(1..=12).contains(&mo) || d < 1 || d > month_days[(mo - 1) as usize] {
            return None;
        }
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        // A leap second is read as the last millisecond-aligned second before it.
        let s = s.min(59);
        let days = days_from_civil(y, mo, d);
        let ms = ((days * 86_400 + h * 3600 + mi * 60 + s) - offset_min * 60) * 1000 + millis;
        (0..=LATEST_MS as i64)
            .contains(&ms)
            .then_some(Timestamp(ms as u64))
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

fn num_in(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    if !part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days-from-civil algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn reads_back_what_it_writes_and_other_rfc3339_forms() {
        let t = Timestamp(1_795_770_000_123);
        assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339()), Some(t));
        let read = |s: &str| Timestamp::parse_rfc3339(s).map(|t| t.rfc3339());
        assert_eq!(
            read("2026-11-27T10:30:00.5+01:30").as_deref(),
            Some("2026-11-27T09:00:00.500Z")
        );
        assert_eq!(
            read("2000-02-29 00:00:00z").as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        for bad in [
            "",
            "2026-11-27",
            "2026-02-30T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T09:00:00",
            "2026-11-27T09:00:00.Z",
            "1969-12-31T23:59:59Z",
            "2026-11-27T09:00:00+1:00",
            "+2026-11-27T09:00:00Z",
        ] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_a_known_instant() {
        let t = Timestamp(1_795_770_000_123);
        assert_eq!(t.rfc3339(), "2026-11-27T09:00:00.123Z");
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
