//! [`DialPlan`]: what a mailbox takes from its dial plan, the telephone access numbers listed in
//! the PIN email and the language of a mailbox that names none.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::mail::wording::DEFAULT_LANGUAGE;

/// A dial plan as the fixtures define it (checked: its language has wording).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DialPlan {
    /// Telephone access numbers, listed in the PIN email and `GetUMProperties`. Shared with
    /// every email that lists them, so a long list costs its bytes once, not once per email.
    pub(crate) access_numbers: Arc<[String]>,
    /// The language of its mailboxes that set none.
    pub(crate) default_language: Option<String>,
}

/// A mailbox's effective language: its own, else its dial plan's `default_language`, else
/// [`DEFAULT_LANGUAGE`].
pub(crate) fn effective_language(
    own: Option<&str>,
    dial_plan: Option<&str>,
    dial_plans: &BTreeMap<String, DialPlan>,
) -> String {
    own.or_else(|| {
        dial_plan
            .and_then(|name| dial_plans.get(name))
            .and_then(|plan| plan.default_language.as_deref())
    })
    .unwrap_or(DEFAULT_LANGUAGE)
    .to_string()
}
