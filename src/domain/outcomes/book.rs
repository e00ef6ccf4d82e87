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

/// The scenarios in force, oldest first (consulted newest first). A scenario that retired
/// (`then: default`, list given) moves to `retired`, so it costs nothing per request.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioBook {
    active: Vec<Scenario>,
    retired: VecDeque<Scenario>,
    next_id: u64,
}

/// Why a scenario was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Full;

impl ScenarioBook {
    /// Stores a scenario under a new id (ids are never reused) and returns the stored form;
    /// refused when [`MAX_ACTIVE`] scenarios can still give an outcome.
    pub(crate) fn add(&mut self, mut scenario: Scenario) -> Result<Scenario, Full> {
        if self.active.len() >= MAX_ACTIVE {
            return Err(Full);
        }
        self.next_id += 1;
        scenario.id = self.next_id;
        scenario.given = 0;
        scenario.remaining = scenario.outcomes.clone();
        self.active.push(scenario.clone());
        Ok(scenario)
    }

    /// A book holding `scenarios` under ids that continue this book's count, so an id never
    /// names two different scenarios over a server's life. Past [`MAX_ACTIVE`], the rest are
    /// left out (fixtures cannot hold that many in practice; the checks report it).
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
        self.active.retain(|s| s.id != id);
        self.retired.retain(|s| s.id != id);
        self.active.len() + self.retired.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.active.clear();
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

        assert_eq!(book.add(one()), Err(Full));

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
