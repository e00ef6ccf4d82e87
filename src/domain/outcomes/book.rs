//! [`ScenarioBook`]: the scenarios in force, and which one gives the next outcome.

use std::collections::VecDeque;

use super::{Outcome, Scenario, Then};
use crate::vocab::Operation;

/// At most this many scenarios that can still give an outcome, so that a client cannot grow the
/// scenario list without bound; adding one more is
/// refused.
pub(crate) const MAX_ACTIVE: usize = 10_000;
/// Retired scenarios kept for the list; older ones are dropped.
const MAX_RETIRED: usize = 1_000;
/// The most bytes of outcome text (bodies, headers, messages) all scenarios together hold:
/// without it, 10,000 scenarios of `--max-body-bytes` each would hold 10 GB.
pub(crate) const MAX_SCENARIO_BYTES: usize = 64 * 1024 * 1024;
/// The most bytes of text one outcome in the fixtures may hold: the default `--max-body-bytes`,
/// which bounds an outcome added at run time. Fixtures are checked once for every server,
/// whatever its flags, so they are held to the default.
pub(crate) const MAX_FIXTURE_OUTCOME_BYTES: usize = 1_048_576;

/// The scenarios in force, oldest first (consulted newest first). A scenario that retired
/// (`then: default`, list given) moves to `retired`, so it costs nothing per request.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioBook {
    active: Vec<Scenario>,
    /// The outcome text `active` holds, kept as they change so that adding one of
    /// [`MAX_ACTIVE`] scenarios costs no sum over the others.
    active_bytes: usize,
    retired: VecDeque<Scenario>,
    next_id: u64,
}

/// Why a scenario was not added: the book is full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Full {
    /// [`MAX_ACTIVE`] scenarios can still give an outcome.
    Scenarios,
    /// Its outcomes' text would take the scenarios that can still give an outcome over
    /// [`MAX_SCENARIO_BYTES`].
    Bytes,
}

impl ScenarioBook {
    /// Stores a scenario under a new id (ids are never reused) and returns the stored form;
    /// refused when [`MAX_ACTIVE`] scenarios can still give an outcome, or when its text would
    /// not fit in [`MAX_SCENARIO_BYTES`] beside theirs. Retired scenarios, kept only for the
    /// list, are dropped oldest first to make room.
    pub(crate) fn add(&mut self, mut scenario: Scenario) -> Result<Scenario, Full> {
        if self.active.len() >= MAX_ACTIVE {
            return Err(Full::Scenarios);
        }
        let bytes = scenario.stored_bytes();
        let wanted = self.active_bytes.saturating_add(bytes);
        if wanted > MAX_SCENARIO_BYTES {
            return Err(Full::Bytes);
        }
        let mut retired: usize = self.retired.iter().map(Scenario::stored_bytes).sum();
        while wanted + retired > MAX_SCENARIO_BYTES {
            let dropped = self
                .retired
                .pop_front()
                .expect("the retired scenarios hold the bytes over the budget");
            retired -= dropped.stored_bytes();
        }
        self.next_id += 1;
        scenario.id = self.next_id;
        scenario.given = 0;
        scenario.remaining = scenario.outcomes.clone();
        self.active_bytes = wanted;
        self.active.push(scenario.clone());
        Ok(scenario)
    }

    /// A book holding `scenarios` under ids that continue this book's count, so an id never
    /// names two different scenarios over a server's life. Past [`MAX_ACTIVE`] or
    /// [`MAX_SCENARIO_BYTES`], the rest are left out (the fixture checks report it).
    pub(crate) fn successor(&self, scenarios: &[Scenario]) -> ScenarioBook {
        let mut book = ScenarioBook {
            next_id: self.next_id,
            ..ScenarioBook::default()
        };
        for scenario in scenarios {
            if book.add(scenario.clone()).is_err() {
                break;
            }
        }
        book
    }

    /// Replaces every scenario with `loaded`, keeping their ids, and keeps counting ids.
    pub(crate) fn restore(&mut self, loaded: &ScenarioBook) {
        self.active = loaded.active.clone();
        self.active_bytes = loaded.active_bytes;
        self.retired = loaded.retired.clone();
        self.next_id = self.next_id.max(loaded.next_id);
    }

    /// Scenario `id` as it is now, active or retired.
    pub(crate) fn get(&self, id: u64) -> Option<Scenario> {
        self.active
            .iter()
            .chain(&self.retired)
            .find(|s| s.id == id)
            .cloned()
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.active.len() + self.retired.len();
        if let Some(i) = self.active.iter().position(|s| s.id == id) {
            self.active_bytes -= self.active.remove(i).stored_bytes();
        }
        self.retired.retain(|s| s.id != id);
        self.active.len() + self.retired.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.active.clear();
        self.active_bytes = 0;
        self.retired.clear();
    }

    /// Newest first, as the admin API lists them.
    pub(crate) fn newest_first(&self) -> Vec<Scenario> {
        let mut all: Vec<Scenario> = self.active.iter().chain(&self.retired).cloned().collect();
        all.sort_by_key(|s| std::cmp::Reverse(s.id));
        all
    }

    /// The next outcome for this request from the newest matching scenario that still has one,
    /// with that scenario's id. Nothing changes until [`ScenarioBook::advance`].
    pub(crate) fn next(&self, mailbox: &str, operation: Operation) -> Option<(u64, Outcome)> {
        self.active.iter().rev().find_map(|s| {
            let mailbox_matches = s.mailbox == "*" || s.mailbox.eq_ignore_ascii_case(mailbox);
            let operation_matches = s.operation == "*" || s.operation == operation.name();
            if !(mailbox_matches && operation_matches) {
                return None;
            }
            Some((s.id, next_outcome(s)?))
        })
    }

    /// Records that scenario `id` gave its next outcome; a scenario that has given its last
    /// one retires.
    pub(crate) fn advance(&mut self, id: u64) {
        let Some(i) = self.active.iter().position(|s| s.id == id) else {
            return;
        };
        let s = &mut self.active[i];
        s.given += 1;
        s.remaining = upcoming(s);
        if next_outcome(s).is_none() {
            let retired = self.active.remove(i);
            self.active_bytes -= retired.stored_bytes();
            if self.retired.len() >= MAX_RETIRED {
                self.retired.pop_front();
            }
            self.retired.push_back(retired);
            // Kept in id order, so the oldest retired scenario is the one dropped.
            self.retired.make_contiguous().sort_by_key(|s| s.id);
        }
    }

    /// [`ScenarioBook::next`] and [`ScenarioBook::advance`] in one step.
    #[cfg(test)]
    fn take(&mut self, mailbox: &str, operation: Operation) -> Option<(u64, Outcome)> {
        let (id, outcome) = self.next(mailbox, operation)?;
        self.advance(id);
        Some((id, outcome))
    }
}

/// What the scenario gives next, in order, until its list ends or starts over: the rest of the
/// list; past it, the last outcome for `repeat-last` and the rest of the round for `cycle`.
fn upcoming(s: &Scenario) -> Vec<Outcome> {
    let (len, given) = (s.outcomes.len(), s.given as usize);
    match s.then {
        _ if given < len || len == 0 => s.outcomes[given.min(len)..].to_vec(),
        Then::Default => Vec::new(),
        Then::RepeatLast => s.outcomes[len - 1..].to_vec(),
        Then::Cycle => s.outcomes[given % len..].to_vec(),
    }
}

fn next_outcome(s: &Scenario) -> Option<Outcome> {
    let given = s.given as usize;
    if given < s.outcomes.len() {
        return Some(s.outcomes[given].clone());
    }
    match s.then {
        Then::Default => None,
        Then::RepeatLast => s.outcomes.last().cloned(),
        Then::Cycle => s.outcomes.get(given % s.outcomes.len().max(1)).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;

    fn book_with(outcomes: Vec<Outcome>, then: Then) -> ScenarioBook {
        let mut book = ScenarioBook::default();
        let mut s = Scenario::new("dave@contoso.com", "ResetPIN").then(then);
        s.outcomes = outcomes;
        book.add(s).unwrap();
        book
    }

    fn kinds(book: &mut ScenarioBook, n: usize) -> Vec<Option<u16>> {
        (0..n)
            .map(|_| {
                book.take("DAVE@contoso.com", Operation::ResetPin)
                    .map(|(_, o)| match o.action {
                        Action::Http { status, .. } => status,
                        _ => 0,
                    })
            })
            .collect()
    }

    #[test]
    fn then_default_retires_repeat_last_repeats_and_cycle_starts_over() {
        let two = || vec![Outcome::http(500), Outcome::http(503)];
        assert_eq!(
            kinds(&mut book_with(two(), Then::Default), 3),
            [Some(500), Some(503), None]
        );
        assert_eq!(
            kinds(&mut book_with(two(), Then::RepeatLast), 4),
            [Some(500), Some(503), Some(503), Some(503)]
        );
        assert_eq!(
            kinds(&mut book_with(two(), Then::Cycle), 5),
            [Some(500), Some(503), Some(500), Some(503), Some(500)]
        );
    }

    #[test]
    fn remaining_shows_what_comes_next_for_every_then() {
        let remaining_after = |then, takes| {
            let mut book = book_with(
                vec![Outcome::http(500), Outcome::http(502), Outcome::http(503)],
                then,
            );
            kinds(&mut book, takes);
            let statuses: Vec<u16> = book.newest_first()[0]
                .remaining
                .iter()
                .map(|o| match o.action {
                    Action::Http { status, .. } => status,
                    _ => 0,
                })
                .collect();
            statuses
        };
        assert_eq!(remaining_after(Then::Default, 1), [502, 503]);
        assert_eq!(remaining_after(Then::Default, 3), [0u16; 0]);
        assert_eq!(
            remaining_after(Then::RepeatLast, 4),
            [503],
            "the last outcome keeps coming"
        );
        assert_eq!(
            remaining_after(Then::Cycle, 4),
            [502, 503],
            "the rest of the second round"
        );
    }

    #[test]
    fn the_newest_matching_scenario_decides_and_wildcards_match() {
        let mut book = book_with(vec![Outcome::http(500)], Then::RepeatLast);
        let mut newer = Scenario::new("*", "*").outcome(Outcome::http(418));
        newer.then = Then::Default;
        book.add(newer).unwrap();
        assert_eq!(kinds(&mut book, 3), [Some(418), Some(500), Some(500)]);
        assert!(book.take("someone@else", Operation::IsUmEnabled).is_none());
    }

    #[test]
    fn past_ten_thousand_live_scenarios_adding_is_refused_and_retired_ones_do_not_count() {
        let mut book = ScenarioBook::default();
        let one = || Scenario::new("*", "ResetPIN").outcome(Outcome::http(503));
        for _ in 0..MAX_ACTIVE {
            book.add(one()).unwrap();
        }

        assert_eq!(book.add(one()), Err(Full::Scenarios));

        // The newest one gives its outcome and retires: room for one more.
        let (id, _) = book.take("a@b", Operation::ResetPin).unwrap();
        assert_eq!(id, MAX_ACTIVE as u64);
        assert!(book.add(one()).is_ok());
        assert_eq!(
            book.newest_first().len(),
            MAX_ACTIVE + 1,
            "the retired one is still listed"
        );
    }

    #[test]
    fn past_64_mib_of_outcome_text_adding_is_refused_and_retired_text_makes_room() {
        let mut book = ScenarioBook::default();
        let body = "x".repeat(MAX_SCENARIO_BYTES / 4);
        let big =
            || Scenario::new("*", "ResetPIN").outcome(Outcome::http(503).with_body(body.clone()));
        for _ in 0..4 {
            book.add(big()).unwrap();
        }
        let tiny = Scenario::new("*", "ResetPIN").outcome(Outcome::http(503).with_body("x"));

        assert_eq!(book.add(tiny.clone()), Err(Full::Bytes));

        // The newest gives its outcome and retires: kept for the list, but its text is what
        // gives way to a scenario that can still answer.
        let (retired, _) = book.take("a@b", Operation::ResetPin).unwrap();
        assert!(book.add(tiny.clone()).is_ok());
        assert!(book.get(retired).is_none());
        // Removing a live one frees its share.
        assert!(book.remove(1));
        assert!(book.add(big()).is_ok());
        // Three big ones and the tiny one live: a fourth big one is one byte too many.
        assert_eq!(book.add(big()), Err(Full::Bytes));
    }

    #[test]
    fn only_the_newest_thousand_retired_scenarios_are_kept() {
        let mut book = ScenarioBook::default();
        for _ in 0..MAX_RETIRED + 5 {
            book.add(Scenario::new("*", "ResetPIN").outcome(Outcome::http(503)))
                .unwrap();
            book.take("a@b", Operation::ResetPin).unwrap();
        }

        let listed = book.newest_first();

        assert_eq!(listed.len(), MAX_RETIRED);
        assert_eq!(listed.last().unwrap().id, 6, "the five oldest were dropped");
        assert!(book.take("a@b", Operation::ResetPin).is_none());
    }
}
