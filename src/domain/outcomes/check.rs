//! The one validation of an outcome, whether it came from JSON or was built in code: every
//! value must be one the double can really send.

use super::{Action, Outcome, MAX_DELAY_MS};
use crate::vocab::xml::forbidden_char;

impl Outcome {
    /// Every reason this outcome cannot be given as it is. The JSON form is checked when
    /// parsed; an outcome built in code is checked when its scenario is added.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(delay_problem("delay_ms", self.delay_ms));
        match &self.action {
            Action::Fixture {
                status, headers, ..
            } => {
                if let Some(code) = status.filter(|c| !FINAL_STATUSES.contains(c)) {
                    out.push(status_problem("status", code));
                }
                out.extend(headers.iter().filter_map(|(n, v)| header_problem(n, v)));
            }
            Action::Http {
                status,
                body,
                headers,
            } => {
                if !FINAL_STATUSES.contains(status) {
                    out.push(status_problem("http", status));
                }
                if matches!(status, 204 | 304) && body.as_ref().is_some_and(|b| !b.is_empty()) {
                    out.push(format!(
                        "a {status} answer has no body, so 'body' would never be sent"
                    ));
                }
                out.extend(headers.iter().filter_map(|(n, v)| header_problem(n, v)));
            }
            Action::Fault { exception, message } => {
                let name_ok = !exception.is_empty()
                    && exception
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !name_ok {
                    out.push(format!(
                        "'fault' must be an exception name such as UserNotUmEnabledException, not '{exception}'"
                    ));
                }
                // The message is written into the fault's XML.
                if let Some(problem) = message.as_deref().and_then(forbidden_char) {
                    out.push(format!("'message': {problem}"));
                }
            }
            Action::Mail { delay_ms, .. } => out.extend(delay_problem("mail_delay_ms", *delay_ms)),
            Action::Default | Action::Network(_) => {}
        }
        out
    }
}

impl Outcome {
    /// The bytes of text this outcome stores for a client: an `http` body, scripted header
    /// names and values, a fault message. What the scenario budgets count.
    pub(crate) fn stored_bytes(&self) -> usize {
        let headers = |headers: &std::collections::BTreeMap<String, String>| -> usize {
            headers.iter().map(|(n, v)| n.len() + v.len()).sum()
        };
        match &self.action {
            Action::Http {
                body, headers: h, ..
            } => body.as_ref().map_or(0, String::len) + headers(h),
            Action::Fixture { headers: h, .. } => headers(h),
            Action::Fault { message, .. } => message.as_ref().map_or(0, String::len),
            Action::Default | Action::Network(_) | Action::Mail { .. } => 0,
        }
    }
}

/// Statuses a scripted answer may have: a final response. A 1xx is not one (hyper turns 100
/// into an empty 500 and 101 into a protocol switch), so the client would never see it.
const FINAL_STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

pub(super) fn status_problem(key: &str, value: impl std::fmt::Display) -> String {
    format!(
        "'{key}' must be an HTTP status from {} to {}, not {value}",
        FINAL_STATUSES.start(),
        FINAL_STATUSES.end()
    )
}

/// Why a delay cannot be scripted, if it cannot.
fn delay_problem(key: &str, ms: Option<u64>) -> Option<String> {
    ms.filter(|ms| *ms > MAX_DELAY_MS)
        .map(|ms| millis_problem(key, ms))
}

pub(super) fn millis_problem(key: &str, value: impl std::fmt::Display) -> String {
    format!("'{key}' must be whole milliseconds from 0 to {MAX_DELAY_MS}, not {value}")
}

/// Headers that frame the body: the double sets them from the body it sends. A scripted one
/// that disagrees would break the response (hyper even asserts on it in debug builds).
const FRAMING_HEADERS: [&str; 2] = ["Content-Length", "Transfer-Encoding"];

/// Why a scripted response header cannot be sent, if it cannot.
fn header_problem(name: &str, value: &str) -> Option<String> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some(format!("'{name}' is not a valid HTTP header name"));
    }
    if http::HeaderValue::from_str(value).is_err() {
        return Some(format!(
            "the value of header '{name}' is not a valid HTTP header value"
        ));
    }
    if FRAMING_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Some(format!(
            "header '{name}' cannot be scripted: the double frames the body itself"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::Scenario;
    use super::*;

    #[test]
    fn a_status_built_in_code_that_cannot_be_a_final_answer_is_a_problem() {
        for outcome in [
            Outcome::http(42),
            Outcome::http(101),
            Outcome::fixture("ResetPIN/success").with_status(100),
        ] {
            let scenario = Scenario::new("*", "ResetPIN").outcome(outcome.clone());

            let problems = scenario.shape_problems();

            assert!(
                problems
                    .iter()
                    .any(|(key, problem)| key == "outcomes[0]" && problem.contains("200 to 599")),
                "{outcome:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_framing_header_built_in_code_is_a_problem() {
        let outcome = Outcome::http(200)
            .with_body("hello")
            .with_header("Content-Length", "100");
        let scenario = Scenario::new("*", "ResetPIN").outcome(outcome);

        let problems = scenario.shape_problems();

        assert!(
            problems
                .iter()
                .any(|(key, problem)| key == "outcomes[0]" && problem.contains("Content-Length")),
            "{problems:?}"
        );
    }

    #[test]
    fn values_that_could_never_be_sent_are_problems() {
        assert!(Outcome::http(204).with_body("x").problems()[0].contains("has no body"));
        assert!(Outcome::fault("X").with_message("bad \u{1}").problems()[0].contains("U+0001"));
        assert!(Outcome::fault("not a name").problems()[0].contains("exception name"));
        assert!(Outcome::http(204).problems().is_empty());
    }
}
