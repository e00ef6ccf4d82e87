//! The checks of a mailbox's state, shared by fixtures and `PATCH`: every problem, with its key.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::MailboxState;
use crate::domain::dial_plan::DialPlan;
use crate::domain::mail::languages::MailWording;
use crate::domain::pin::PinPolicy;
use crate::vocab::xml::is_xml_char;

/// Longest SMTP address, display name or logon, in characters: far above any real one, and a
/// bound on what every email and journal entry for the mailbox copies.
pub(crate) const MAX_NAME_CHARS: usize = 256;

/// The policies, dial plans and mail wording mailbox checks refer to.
pub(crate) struct References<'a> {
    pub(crate) policies: &'a BTreeMap<String, PinPolicy>,
    pub(crate) dial_plans: &'a BTreeMap<String, DialPlan>,
    /// The languages a mailbox may have: those with wording.
    pub(crate) mail: &'a MailWording,
}

/// Every problem with one mailbox's state on its own, as (key, problem). Fixtures and
/// `PATCH /__admin/mailboxes/…` run the same checks.
pub(crate) fn problems(state: &MailboxState, refs: &References<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |key: &str, problem: String| out.push((key.to_string(), problem));
    for (key, name) in keyed_names(state, true) {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            push(
                &key,
                format!("must be at most {MAX_NAME_CHARS} characters (it has {chars})"),
            );
        }
    }
    let address = &state.smtp_address;
    let valid_address = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !address.contains(char::is_whitespace)
        }
        None => false,
    };
    if !valid_address {
        push(
            "smtp_address",
            format!("'{address}' is not an SMTP address"),
        );
    }
    let policy = refs.policies.get(&state.policy);
    if policy.is_none() {
        push("policy", format!("unknown policy '{}'", state.policy));
    }
    if let Some(plan) = &state.dial_plan {
        if !refs.dial_plans.contains_key(plan) {
            push("dial_plan", format!("unknown dial plan '{plan}'"));
        }
    }
    if let Some(problem) = refs.mail.language_problem(&state.language) {
        push("language", problem);
    }
    match &state.extension {
        Some(ext)
            if ext.is_empty() || ext.len() > 20 || !ext.bytes().all(|b| b.is_ascii_digit()) =>
        {
            push(
                "extension",
                format!("extension '{ext}' must be 1 to 20 digits"),
            );
        }
        None if state.um_enabled => push(
            "extension",
            "a UM-enabled mailbox needs an extension".to_string(),
        ),
        _ => {}
    }
    if let (Some(pin), Some(policy)) = (&state.pin, policy) {
        for problem in policy.pin_problems(pin, state.extension.as_deref(), &[]) {
            push("pin", problem);
        }
    }
    if let Some(folder) = &state.properties.telephone_access_folder_email {
        if base64::engine::general_purpose::STANDARD
            .decode(folder)
            .is_err()
        {
            push(
                "properties.telephone_access_folder_email",
                format!("'{folder}' is not base64"),
            );
        }
    }
    for (i, logon) in state.logons.iter().enumerate() {
        if logon.trim().is_empty() {
            push(&format!("logons[{i}]"), "must not be empty".to_string());
        }
    }
    // These values are written into SOAP and Autodiscover answers: a character XML cannot
    // hold would make every later answer for the mailbox unreadable.
    let properties = &state.properties;
    let texts = [("display_name".to_string(), Some(&state.display_name))]
        .into_iter()
        .chain(
            state
                .logons
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("logons[{i}]"), Some(l))),
        )
        .chain([
            (
                "properties.play_on_phone_dial_string".to_string(),
                properties.play_on_phone_dial_string.as_ref(),
            ),
            (
                "properties.telephone_access_folder_email".to_string(),
                properties.telephone_access_folder_email.as_ref(),
            ),
        ]);
    for (key, text) in texts {
        // The display name and the logons are written into the PIN email's MIME headers
        // (`To:`) and the journal: a line break there would inject headers.
        let one_line = key == "display_name" || key.starts_with("logons[");
        if one_line && text.is_some_and(|t| t.contains(['\r', '\n'])) {
            push(
                &key,
                "must be one line (a line break would inject MIME headers)".to_string(),
            );
            continue;
        }
        if let Some(c) = text.and_then(|t| t.chars().find(|c| !is_xml_char(*c))) {
            push(
                &key,
                format!("character U+{:04X} cannot be written in XML", u32::from(c)),
            );
        }
    }
    out
}

/// Problems of names that more than one mailbox answers to: addresses and logons, and
/// extensions of UM-enabled mailboxes within one dial plan (Exchange refuses a second one: a
/// caller dialling it could not be told which mailbox is meant). Each is reported at the later
/// mailbox, naming the earlier: (index of the mailbox, key, problem).
pub(crate) fn duplicate_names<'a>(
    states: impl Iterator<Item = (usize, &'a MailboxState)>,
) -> Vec<(usize, String, String)> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    // (dial plan, extension) -> the mailbox that has it, as `mailboxes[i] (address)`.
    let mut extensions: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, state) in states {
        if let (true, Some(plan), Some(extension)) =
            (state.um_enabled, &state.dial_plan, &state.extension)
        {
            match extensions.get(&(plan.as_str(), extension.as_str())) {
                Some(first) => out.push((
                    i,
                    "extension".to_string(),
                    format!(
                        "extension '{extension}' of dial plan '{plan}' is already used by {first}"
                    ),
                )),
                None => {
                    extensions.insert(
                        (plan, extension),
                        format!("mailboxes[{i}] ({})", state.smtp_address),
                    );
                }
            }
        }
        for (key, name) in keyed_names(state, false) {
            let lower = name.to_lowercase();
            match seen.get(&lower) {
                Some(first) if !first.starts_with(&format!("mailboxes[{i}].")) => {
                    out.push((i, key, format!("'{name}' is already used by {first}")));
                }
                _ => {
                    seen.entry(lower)
                        .or_insert_with(|| format!("mailboxes[{i}].{key}"));
                }
            }
        }
    }
    out
}

/// A mailbox's names with the key each is at: its address, its display name when asked for
/// (a length limit applies to it, but two mailboxes may share one), then each logon.
fn keyed_names(
    state: &MailboxState,
    with_display_name: bool,
) -> impl Iterator<Item = (String, &String)> {
    std::iter::once(("smtp_address".to_string(), &state.smtp_address))
        .chain(with_display_name.then(|| ("display_name".to_string(), &state.display_name)))
        .chain(
            state
                .logons
                .iter()
                .enumerate()
                .map(|(i, logon)| (format!("logons[{i}]"), logon)),
        )
}
