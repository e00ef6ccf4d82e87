//! The world's scenarios: adding one after every check, listing and removing them, each
//! change noted for the event log; [`NotAdded`], why one was refused.

use super::World;
use crate::domain::outcomes::{Full, Scenario, MAX_ACTIVE, MAX_SCENARIO_BYTES};
use crate::error::Problem;
use crate::state::events::Change;

/// Why a scenario was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotAdded {
    /// Every problem, each at its path in the scenario.
    Problems(Vec<Problem>),
    /// [`MAX_ACTIVE`] scenarios can still give an outcome.
    Full,
    /// Its outcomes hold more text than `--max-body-bytes` (the bytes they hold, the limit).
    TooLarge(usize, usize),
    /// Its outcomes' text would take all scenarios over [`MAX_SCENARIO_BYTES`].
    OverBudget,
}

impl NotAdded {
    /// Why a full store refuses: what the admin API and the library both say.
    pub(crate) fn full_message() -> String {
        format!("{MAX_ACTIVE} scenarios can still give an outcome; remove some first")
    }

    /// Why a refusal other than [`NotAdded::Problems`] refuses: what the admin API and the
    /// library both say.
    pub(crate) fn message(&self) -> String {
        match self {
            NotAdded::Problems(problems) => problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            NotAdded::Full => Self::full_message(),
            NotAdded::TooLarge(bytes, max) => format!(
                "the scenario's outcomes hold {bytes} bytes of bodies, headers and messages; at most {max} (--max-body-bytes)"
            ),
            NotAdded::OverBudget => format!(
                "the scenarios would hold more than {MAX_SCENARIO_BYTES} bytes of outcome bodies, headers and messages in all; remove some first"
            ),
        }
    }
}

impl World {
    /// Stores a scenario after checking it against the fixtures; every problem otherwise,
    /// `TooLarge` past `--max-body-bytes` of outcome text, `Full` past [`MAX_ACTIVE`]
    /// scenarios that can still give an outcome, `OverBudget` past [`MAX_SCENARIO_BYTES`].
    pub(crate) fn add_scenario(&mut self, scenario: Scenario) -> Result<Scenario, NotAdded> {
        let problems = self.fixtures.scenario_problems(&scenario);
        if !problems.is_empty() {
            return Err(NotAdded::Problems(
                problems
                    .into_iter()
                    .map(|(key, problem)| Problem::at(key, problem))
                    .collect(),
            ));
        }
        let bytes = scenario.stored_bytes();
        if bytes > self.max_scenario_bytes {
            return Err(NotAdded::TooLarge(bytes, self.max_scenario_bytes));
        }
        let stored = self.scenarios.add(scenario).map_err(|full| match full {
            Full::Scenarios => NotAdded::Full,
            Full::Bytes => NotAdded::OverBudget,
        })?;
        self.note(Change::Scenario {
            scenario: stored.clone(),
            removed: false,
        });
        Ok(stored)
    }

    /// Newest first, as the admin API lists them.
    pub(crate) fn scenarios(&self) -> Vec<Scenario> {
        self.scenarios.newest_first()
    }

    /// False if there is no scenario `id`.
    pub(crate) fn remove_scenario(&mut self, id: u64) -> bool {
        let Some(scenario) = self.scenarios.get(id) else {
            return false;
        };
        self.scenarios.remove(id);
        self.note(Change::Scenario {
            scenario,
            removed: true,
        });
        true
    }

    pub(crate) fn clear_scenarios(&mut self) {
        for scenario in self.scenarios.newest_first().into_iter().rev() {
            self.note(Change::Scenario {
                scenario,
                removed: true,
            });
        }
        self.scenarios.clear();
    }
}
