//! The four `Set*` operations: each changes one mailbox property and answers empty.

use base64::Engine as _;

use super::{boolean, required, Ctx, Done, Failure};
use crate::mailbox::MailboxProperties;

/// `SetOofStatus(status)`
pub(super) fn set_oof_status(ctx: Ctx<'_>) -> Result<Done, Failure> {
    set_flag(ctx, |p| &mut p.oof_status)
}

/// `SetMissedCallNotificationEnabled(status)`
pub(super) fn set_missed_call_notification_enabled(ctx: Ctx<'_>) -> Result<Done, Failure> {
    set_flag(ctx, |p| &mut p.missed_call_notification_enabled)
}

fn set_flag(
    mut ctx: Ctx<'_>,
    field: fn(&mut MailboxProperties) -> &mut bool,
) -> Result<Done, Failure> {
    let [status] = ctx.params(["status"])?;
    let value = boolean(status, "status")?;
    *field(&mut ctx.mailbox().state.properties) = value;
    Ok(Done::empty())
}

/// `SetPlayOnPhoneDialString(dialString)`: trimmed; an empty string clears it.
pub(super) fn set_play_on_phone_dial_string(mut ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [dial_string] = ctx.params(["dialString"])?;
    let value = required(dial_string, "dialString")?.trim().to_string();
    ctx.mailbox().state.properties.play_on_phone_dial_string = (!value.is_empty()).then_some(value);
    Ok(Done::empty())
}

/// `SetTelephoneAccessFolderEmail(base64FolderId)` (`base64FolderID` accepted too).
pub(super) fn set_telephone_access_folder_email(mut ctx: Ctx<'_>) -> Result<Done, Failure> {
    let [id, legacy] = ctx.params(["base64FolderId", "base64FolderID"])?;
    let folder = required(id.or(legacy), "base64FolderId")?
        .trim()
        .to_string();
    if folder.is_empty()
        || base64::engine::general_purpose::STANDARD
            .decode(&folder)
            .is_err()
    {
        return Err(Failure::Um {
            exception: "InvalidObjectIdException",
            reason: format!("base64FolderId '{folder}' is not base64"),
        });
    }
    ctx.mailbox().state.properties.telephone_access_folder_email = Some(folder);
    Ok(Done::empty())
}
