//! Expectations on what a client sends, checked when the server is dropped (like wiremock-rs's
//! `Mock::expect`): "ResetPIN for alice exactly once". The builder users call is
//! `double::expect`; this is what it registers, and the report. Matches are counted as the journal
//! records each request, so a journal that evicts or is cleared cannot change a count; the
//! journal only supplies the report's list of requests.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

use crate::domain::journal::RecordedRequest;
use crate::vocab::Operation;

/// How many matching requests an expectation wants. Made from a number (`1`: exactly one) or
/// a range of `u64` (`1..=3`, `2..`, `..3`, `..`), as in wiremock-rs.
///
/// ```
/// use exchange_um_mock::Times;
///
/// // Arrange, Act
/// let exactly_one = Times::from(1);
/// let one_to_three = Times::from(1..=3);
///
/// // Assert
/// assert!(exactly_one.contains(1) && !exactly_one.contains(2));
/// assert!(one_to_three.contains(3) && !one_to_three.contains(0));
/// assert_eq!(one_to_three.to_string(), "between 1 and 3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: u64,
    /// Inclusive; `None` is unbounded.
    max: Option<u64>,
}

impl Times {
    /// Whether `count` matching requests satisfy this.
    ///
    /// ```
    /// use exchange_um_mock::Times;
    ///
    /// // Arrange, Act, Assert
    /// assert!(Times::from(2..).contains(5));
    /// assert!(!Times::from(..2).contains(2));
    /// ```
    pub fn contains(&self, count: u64) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (0, Some(0)) => write!(f, "never"),
            (min, Some(max)) if min == max => write!(f, "exactly {min}"),
            (0, Some(max)) => write!(f, "at most {max}"),
            (min, Some(max)) if min > max => write!(f, "an empty range ({min} to {max})"),
            (min, Some(max)) => write!(f, "between {min} and {max}"),
            (0, None) => write!(f, "any number"),
            (min, None) => write!(f, "at least {min}"),
        }
    }
}

impl From<u64> for Times {
    fn from(count: u64) -> Self {
        Times {
            min: count,
            max: Some(count),
        }
    }
}

impl From<RangeInclusive<u64>> for Times {
    fn from(range: RangeInclusive<u64>) -> Self {
        Times {
            min: *range.start(),
            max: Some(*range.end()),
        }
    }
}

impl From<Range<u64>> for Times {
    fn from(range: Range<u64>) -> Self {
        // An empty range (`3..3`) becomes min > max: never satisfied, and the report says so.
        Times {
            min: range.start,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeFrom<u64>> for Times {
    fn from(range: RangeFrom<u64>) -> Self {
        Times {
            min: range.start,
            max: None,
        }
    }
}

impl From<RangeTo<u64>> for Times {
    fn from(range: RangeTo<u64>) -> Self {
        Times {
            min: 0,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeToInclusive<u64>> for Times {
    fn from(range: RangeToInclusive<u64>) -> Self {
        Times {
            min: 0,
            max: Some(range.end),
        }
    }
}

impl From<RangeFull> for Times {
    fn from(_: RangeFull) -> Self {
        Times { min: 0, max: None }
    }
}

/// One registered expectation and the requests it has matched so far.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    operation: Operation,
    mailbox: Option<String>,
    times: Times,
    /// Requests up to this journal id came before the expectation and do not count.
    after_id: u64,
    /// How many requests matched.
    count: u64,
    /// Ids of the latest requests counted, oldest first, for marking them in the report;
    /// bounded because a journal never shows more than this many anyway.
    matched: VecDeque<u64>,
}

impl Expected {
    /// An expectation on requests journaled after `after_id`.
    pub(crate) fn new(
        operation: Operation,
        mailbox: Option<String>,
        times: Times,
        after_id: u64,
    ) -> Self {
        Expected {
            operation,
            mailbox,
            times,
            after_id,
            count: 0,
            matched: VecDeque::new(),
        }
    }

    fn matches(&self, request: &RecordedRequest) -> bool {
        let mailbox_ok = match &self.mailbox {
            None => true,
            Some(want) => request
                .mailbox
                .as_ref()
                .is_some_and(|m| m.eq_ignore_ascii_case(want)),
        };
        request.id > self.after_id
            && request.operation.as_deref() == Some(self.operation.name())
            && mailbox_ok
    }

    fn count(&self) -> u64 {
        self.count
    }

    fn counted(&mut self, id: u64) {
        self.count += 1;
        if self.matched.len() == MARKED_IDS {
            self.matched.pop_front();
        }
        self.matched.push_back(id);
    }

    fn describe(&self) -> String {
        match &self.mailbox {
            Some(mailbox) => format!("{} for {mailbox}", self.operation),
            None => format!("{} for any mailbox", self.operation),
        }
    }
}

/// The expectations of one server.
#[derive(Debug, Default)]
pub(crate) struct Expectations {
    list: Vec<Expected>,
}

/// How many ids of counted requests an expectation keeps for the report.
const MARKED_IDS: usize = 10_000;
/// How many requests a report lists per expectation before it cuts the oldest.
const REPORT_REQUESTS: usize = 30;

impl Expectations {
    pub(crate) fn add(&mut self, expected: Expected) {
        self.list.push(expected);
    }

    /// Counts `request` for every expectation it matches; called as the journal records it.
    pub(crate) fn observe(&mut self, request: &RecordedRequest) {
        for expected in self.list.iter_mut().filter(|e| e.matches(request)) {
            expected.counted(request.id);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Whether any expectation is not met.
    pub(crate) fn has_unmet(&self) -> bool {
        self.list.iter().any(|e| !e.times.contains(e.count()))
    }

    /// A report of each expectation that is not met, with the requests that explain why
    /// (from `journal`, oldest first; `evicted` older ones were dropped from it).
    pub(crate) fn report(&self, journal: &[RecordedRequest], evicted: u64) -> String {
        let unmet: Vec<&Expected> = self
            .list
            .iter()
            .filter(|e| !e.times.contains(e.count()))
            .collect();
        let mut out = format!(
            "exchange-um-mock: {} of {} expectation(s) not met\n",
            unmet.len(),
            self.list.len()
        );
        for expected in unmet {
            // Writing to a String cannot fail, so the results of write! are ignored below.
            let _ = writeln!(
                out,
                "\n- {}: expected {}, matched {}",
                expected.describe(),
                expected.times,
                expected.count()
            );
            report_requests(&mut out, expected, journal, evicted);
        }
        out
    }
}

/// The requests that explain an expectation's count: for a mailbox, its own requests and
/// those that reached no mailbox (a 401 is the usual reason a call did not count); for any
/// mailbox, every request.
fn report_requests(
    out: &mut String,
    expected: &Expected,
    journal: &[RecordedRequest],
    evicted: u64,
) {
    let relevant = |r: &&RecordedRequest| match (&expected.mailbox, &r.mailbox) {
        (None, _) | (Some(_), None) => true,
        (Some(want), Some(have)) => have.eq_ignore_ascii_case(want),
    };
    let listed: Vec<&RecordedRequest> = journal.iter().filter(relevant).collect();
    let whose = match &expected.mailbox {
        Some(mailbox) => format!("for {mailbox} or for no known mailbox"),
        None => "received".to_string(),
    };
    if listed.is_empty() {
        let _ = writeln!(out, "  no request {whose} is in the journal");
    } else {
        let _ = writeln!(out, "  requests {whose}, oldest first:");
    }
    let skipped = listed.len().saturating_sub(REPORT_REQUESTS);
    if skipped > 0 {
        let _ = writeln!(out, "    ... {skipped} older request(s) not shown");
    }
    for request in &listed[skipped..] {
        let _ = writeln!(out, "    {}", line(expected, request));
    }
    if evicted > 0 {
        let _ = writeln!(
            out,
            "  ({evicted} older request(s) were dropped from the journal; raise max_requests to keep them. Counts are not affected.)"
        );
    }
    if expected.mailbox.is_some() {
        let others = journal.iter().filter(|r| !relevant(r)).count();
        if others > 0 {
            let _ = writeln!(out, "  ({others} request(s) for other mailboxes not shown)");
        }
    }
}

/// `#3 [counted] ResetPIN as 'CONTOSO\alice' -> 500, outcome {"fixture":…} (scenario 1), reason: …`
fn line(expected: &Expected, request: &RecordedRequest) -> String {
    let mark = if expected.matched.binary_search(&request.id).is_ok() {
        "[counted] "
    } else if request.id <= expected.after_id {
        "[before the expectation] "
    } else {
        ""
    };
    let operation = request
        .operation
        .as_deref()
        .unwrap_or("(no operation read)");
    let who = match (&request.identity, &request.mailbox) {
        (Some(identity), Some(mailbox)) if identity.eq_ignore_ascii_case(mailbox) => {
            format!(" as {mailbox}")
        }
        (Some(identity), Some(mailbox)) => format!(" as '{identity}' ({mailbox})"),
        (Some(identity), None) => format!(" as '{identity}' (no mailbox)"),
        (None, _) => " without credentials".to_string(),
    };
    let status = request
        .status
        .map_or("no HTTP answer".to_string(), |s| s.to_string());
    let outcome = serde_json::to_string(&request.outcome).unwrap_or_else(|_| "?".into());
    let scenario = request
        .scenario
        .map(|id| format!(" (scenario {id})"))
        .unwrap_or_default();
    let reason = request
        .reason
        .as_deref()
        .map(|r| format!(", reason: {r}"))
        .unwrap_or_default();
    format!(
        "#{} {mark}{} {} {operation}{who} -> {status}, outcome {outcome}{scenario}{reason}",
        request.id, request.method, request.path
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_reads_like_the_expectation() {
        assert_eq!(Times::from(0).to_string(), "never");
        assert_eq!(Times::from(2).to_string(), "exactly 2");
        assert_eq!(Times::from(1..4).to_string(), "between 1 and 3");
        assert_eq!(Times::from(2..).to_string(), "at least 2");
        assert_eq!(Times::from(..=2).to_string(), "at most 2");
        assert_eq!(Times::from(..).to_string(), "any number");
        assert!(
            !Times::from(3..3).contains(3),
            "an empty range is never satisfied"
        );
    }
}
