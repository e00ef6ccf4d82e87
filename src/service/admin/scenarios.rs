//! `/__admin/scenarios`: scripted outcomes at run time.

use super::{id, json_body, problem_list};
use crate::domain::outcomes::Scenario;
use crate::state::{NotAdded, Shared};
use crate::vocab::wire::{WireRequest, WireResponse};

pub(super) fn list(shared: &Shared) -> WireResponse {
    let scenarios = shared.with(|w| w.scenarios());
    WireResponse::json(200, &serde_json::json!({ "scenarios": scenarios }))
}

pub(super) fn add(shared: &Shared, request: &WireRequest) -> Result<WireResponse, WireResponse> {
    let scenario: Scenario = json_body(request)?;
    match shared.with(|w| w.add_scenario(scenario)) {
        Ok(stored) => Ok(WireResponse::json(201, &stored)),
        Err(NotAdded::Problems(problems)) => Err(problem_list(
            400,
            "the scenario was not added",
            problems.iter().map(ToString::to_string),
        )),
        Err(refused @ NotAdded::TooLarge(..)) => {
            Err(WireResponse::json_error(413, refused.message()))
        }
        Err(refused @ (NotAdded::Full | NotAdded::OverBudget)) => {
            Err(WireResponse::json_error(409, refused.message()))
        }
    }
}

pub(super) fn clear(shared: &Shared) -> WireResponse {
    shared.with(|w| w.clear_scenarios());
    WireResponse::empty(204)
}

pub(super) fn remove(shared: &Shared, segment: &str) -> Result<WireResponse, WireResponse> {
    let id = id(segment, "a scenario")?;
    if shared.with(|w| w.remove_scenario(id)) {
        Ok(WireResponse::empty(204))
    } else {
        Err(WireResponse::json_error(404, format!("no scenario {id}")))
    }
}
