//! [`ScenarioBook`]: the scenarios in force, and which one gives the next outcome.

use super::{Outcome, Scenario, Then};
use crate::vocab::Operation;

/// The scenarios in force, oldest first (consulted newest first).
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioBook {
    list: Vec<Scenario>,
    next_id: u64,
}

impl ScenarioBook {
    /// Stores a scenario under a new id (ids are never reused) and returns the stored form.
    pub(crate) fn add(&mut self, mut scenario: Scenario) -> Scenario {
        self.next_id += 1;
        scenario.id = self.next_id;
        scenario.given = 0;
        scenario.remaining = scenario.outcomes.clone();
        self.list.push(scenario.clone());
        scenario
    }

    /// A book holding `scenarios` under ids that continue this book's count, so an id never
    /// names two different scenarios over a server's life.
    pub(crate) fn successor(&self, scenarios: &[Scenario]) -> ScenarioBook {
        let mut book = ScenarioBook {
            list: Vec::new(),
            next_id: self.next_id,
        };
        for scenario in scenarios {
            book.add(scenario.clone());
        }
        book
    }

    /// Replaces every scenario with `loaded`, keeping their ids, and keeps counting ids.
    pub(crate) fn restore(&mut self, loaded: &ScenarioBook) {
        self.list = loaded.list.clone();
        self.next_id = self.next_id.max(loaded.next_id);
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.list.len();
        self.list.retain(|s| s.id != id);
        self.list.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Newest first, as the admin API lists them.
    pub(crate) fn newest_first(&self) -> Vec<Scenario> {
        self.list.iter().rev().cloned().collect()
    }

    /// The next outcome for this request from the newest matching scenario that still has one,
    /// with that scenario's id. Nothing changes until [`ScenarioBook::advance`].
    pub(crate) fn next(&self, mailbox: &str, operation: Operation) -> Option<(u64, Outcome)> {
        self.list.iter().rev().find_map(|s| {
            let mailbox_matches = s.mailbox == "*" || s.mailbox.eq_ignore_ascii_case(mailbox);
            let operation_matches = s.operation == "*" || s.operation == operation.name();
            if !(mailbox_matches && operation_matches) {
                return None;
            }
            Some((s.id, next_outcome(s)?))
        })
    }

    /// Records that scenario `id` gave its next outcome.
    pub(crate) fn advance(&mut self, id: u64) {
        if let Some(s) = self.list.iter_mut().find(|s| s.id == id) {
            s.given += 1;
            s.remaining = upcoming(s);
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
        book.add(s);
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
        book.add(newer);
        assert_eq!(kinds(&mut book, 3), [Some(418), Some(500), Some(500)]);
        assert!(book.take("someone@else", Operation::IsUmEnabled).is_none());
    }
}
