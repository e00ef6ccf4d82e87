//! [`Scenario`]: a script of outcomes for one mailbox and operation, and [`Then`], what
//! happens after its list.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::vocab::Operation;

/// What happens after a scenario has given every outcome of its list.
///
/// ```
/// use exchange_um_mock::{Outcome, Scenario, Then};
///
/// // Arrange, Act: always 503 for dave.
/// let down = Scenario::new("dave@contoso.com", "*").outcome(Outcome::http(503)).then(Then::RepeatLast);
///
/// // Assert
/// assert_eq!(serde_json::to_value(&down).unwrap()["then"], "repeat-last");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    description = "What happens after the list: default (the scenario retires), repeat-last, cycle."
)]
#[non_exhaustive]
pub enum Then {
    /// The scenario retires; the double answers by itself again.
    #[default]
    Default,
    /// The last outcome is given again and again.
    RepeatLast,
    /// The list starts over.
    Cycle,
}

/// A script of outcomes for one mailbox (or `*`) and one operation (or `*`).
///
/// Serialises to the admin API's scenario JSON; the fields filled in by the server (`id`,
/// `remaining`, `given`) are ignored when adding one.
///
/// ```
/// use exchange_um_mock::{Outcome, Scenario, Then};
///
/// let flaky = Scenario::new("dave@contoso.com", "ResetPIN")
///     .outcome(Outcome::fixture("ResetPIN/server-busy"))
///     .outcome(Outcome::default_answer())
///     .then(Then::Default);
/// assert_eq!(flaky.outcomes.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "A script of outcomes for one mailbox (or *) and one operation (or *).")]
#[non_exhaustive]
pub struct Scenario {
    /// Given by the server when the scenario is stored. Accepted and ignored when adding one,
    /// so that a scenario as listed can be posted back (the same for `remaining` and `given`).
    #[serde(default)]
    pub id: u64,
    /// An SMTP address, or `*` for every mailbox.
    #[schemars(pattern(crate::domain::patterns::SMTP_ADDRESS_OR_ANY))]
    pub mailbox: String,
    /// An operation name (`ResetPIN`), or `*` for every operation.
    #[schemars(schema_with = "super::schema::operation_schema")]
    pub operation: String,
    /// The outcomes, given one per matching request, in order (at least one).
    #[schemars(length(min = 1))]
    pub outcomes: Vec<Outcome>,
    /// The outcomes still to give before `then` applies.
    #[serde(default)]
    pub remaining: Vec<Outcome>,
    /// What happens after the list.
    #[serde(default)]
    pub then: Then,
    /// How many outcomes this scenario has given so far.
    #[serde(default)]
    pub given: u64,
}

impl Scenario {
    /// An empty script for `mailbox` (or `*`) and `operation` (or `*`).
    pub fn new(mailbox: impl Into<String>, operation: impl Into<String>) -> Self {
        Scenario {
            id: 0,
            mailbox: mailbox.into(),
            operation: operation.into(),
            outcomes: Vec::new(),
            remaining: Vec::new(),
            then: Then::Default,
            given: 0,
        }
    }
    /// Appends an outcome to the list.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcomes.push(outcome);
        self
    }
    /// Sets what happens after the list.
    pub fn then(mut self, then: Then) -> Self {
        self.then = then;
        self
    }

    /// The bytes of text its outcomes store (bodies, headers, messages).
    pub(crate) fn stored_bytes(&self) -> usize {
        self.outcomes.iter().map(Outcome::stored_bytes).sum()
    }

    /// Problems with the scenario's own shape, as (key, problem). References to fixture files
    /// and mailboxes are checked by the caller, who knows them.
    pub(crate) fn shape_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.operation != "*" && Operation::from_name(&self.operation).is_none() {
            out.push((
                "operation".into(),
                format!("unknown operation '{}'", self.operation),
            ));
        }
        if self.outcomes.is_empty() {
            out.push(("outcomes".into(), "must list at least one outcome".into()));
        }
        for (i, outcome) in self.outcomes.iter().enumerate() {
            for problem in outcome.problems() {
                out.push((format!("outcomes[{i}]"), problem));
            }
            if let Some(name) = outcome.fixture_name() {
                let folder = name.split('/').next().unwrap_or_default();
                if self.operation != "*" && folder != self.operation {
                    out.push((
                        format!("outcomes[{i}].fixture"),
                        format!(
                            "'{name}' is a {folder} response, but the scenario is for {}",
                            self.operation
                        ),
                    ));
                }
            }
        }
        out
    }
}
