//! The four `Set*` operations: each changes one mailbox property and answers empty.

use crate::domain::calls::MAX_ENTRY_ID_CHARS;
use base64::Engine as _;

use super::{Ctx, Done, Failure};
use crate::domain::mailbox::MailboxProperties;
use crate::soap::schema::Args;

/// `SetOofStatus(status)`
pub(super) fn set_oof_status(ctx: Ctx<'_>, args: &Args) -> Result<Done, Failure> {
    set_flag(ctx, args, |p| &mut p.oof_status)
}

/// `SetMissedCallNotificationEnabled(status)`
pub(super) fn set_missed_call_notification_enabled(
    ctx: Ctx<'_>,
    args: &Args,
) -> Result<Done, Failure> {
    set_flag(ctx, args, |p| &mut p.missed_call_notification_enabled)
}

fn set_flag(
    mut ctx: Ctx<'_>,
    args: &Args,
    field: fn(&mut MailboxProperties) -> &mut bool,
) -> Result<Done, Failure> {
    *field(&mut ctx.mailbox_mut().state.properties) = args.boolean("status");
    Ok(Done::default())
}

/// `SetPlayOnPhoneDialString(dialString)`: trimmed; an empty string clears it.
pub(super) fn set_play_on_phone_dial_string(
    mut ctx: Ctx<'_>,
    args: &Args,
) -> Result<Done, Failure> {
    let value = args.text("dialString").trim().to_string();
    if let Some(problem) = crate::domain::calls::dial_string_problem("dialString", &value) {
        return Err(Failure::Invalid(problem));
    }
    ctx.mailbox_mut().state.properties.play_on_phone_dial_string =
        (!value.is_empty()).then_some(value);
    Ok(Done::default())
}

/// `SetTelephoneAccessFolderEmail(base64FolderId)` (`base64FolderID` accepted too).
pub(super) fn set_telephone_access_folder_email(
    mut ctx: Ctx<'_>,
    args: &Args,
) -> Result<Done, Failure> {
    let folder = args.text("base64FolderId").trim().to_string();
    let chars = folder.chars().count();
    if chars > MAX_ENTRY_ID_CHARS {
        return Err(Failure::Um {
            exception: "InvalidObjectIdException",
            reason: format!(
                "base64FolderId has {chars} characters; a folder id has at most {MAX_ENTRY_ID_CHARS}"
            ),
        });
    }
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
    ctx.mailbox_mut()
        .state
        .properties
        .telephone_access_folder_email = Some(folder);
    Ok(Done::default())
}
