//! `IsUMEnabled`: `true` or `false` — never a fault for a user who is not UM-enabled.

use super::{Ctx, Done, Failure};
use crate::vocab::Operation;

pub(super) fn run(ctx: Ctx<'_>) -> Result<Done, Failure> {
    let enabled = ctx.mailbox().state.um_enabled;
    Ok(Done::value(
        Operation::IsUmEnabled,
        if enabled { "true" } else { "false" },
    ))
}
