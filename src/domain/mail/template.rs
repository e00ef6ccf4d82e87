//! The PIN email's wording: sender, subject and body text with `{placeholder}`s, configurable
//! in `mock.json` under `mail` (and per language under `mail.languages`, [`super::languages`]).
//! The HTML body is derived from the text, so both say the same.

use std::collections::BTreeMap;

use quick_xml::escape::escape;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::patterns;

/// The `mail` section of `mock.json`. A key set here applies to every language that does not
/// set it under `languages`; each falls back to the double's own wording in that language.
///
/// Placeholders: `{display_name}`, `{smtp_address}`, `{domain}`, `{pin}`, `{extension}`,
/// `{access_numbers}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailFixture {
    /// The sender (one line), e.g. `Microsoft Exchange <MicrosoftExchange@{domain}>`.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, true, false)), length(max = 998))]
    pub(crate) from: Option<String>,
    /// The subject (one line), e.g. `Your Outlook Voice Access PIN has been reset`.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, true, false)), length(max = 998))]
    pub(crate) subject: Option<String>,
    /// The plain-text body; the HTML body is derived from it. Must contain `{pin}`.
    // Characters, as JSON Schema counts: never fewer than the bytes the loader counts.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, false, true)), length(max = 65536))]
    pub(crate) text: Option<String>,
    /// Wording per language (a culture name such as `pt-BR`), overriding the keys above and
    /// the double's own wording for that language. A language the double has no wording for
    /// needs `subject` and `text` here; its `from` falls back to `mail.from`, then the double's
    /// sender.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": patterns::LANGUAGE }))]
    pub(crate) languages: BTreeMap<String, LanguageFixture>,
}

/// One language's entry under `mail.languages`; each key overrides the one set directly under
/// `mail` and the double's own wording.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LanguageFixture {
    /// The sender (one line) in this language.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, true, false)))]
    pub(crate) from: Option<String>,
    /// The subject (one line) in this language.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, true, false)))]
    pub(crate) subject: Option<String>,
    /// The plain-text body in this language. Must contain `{pin}`.
    #[schemars(pattern(patterns::template(&PLACEHOLDERS, false, true)))]
    pub(crate) text: Option<String>,
}

/// Longest sender or subject template, in characters: a mail header line's limit (RFC 5322).
pub(crate) const MAX_HEADER_CHARS: usize = 998;

/// Longest text template, in bytes: every email copies it.
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Placeholders a template may use.
pub(crate) const PLACEHOLDERS: [&str; 6] = [
    "display_name",
    "smtp_address",
    "domain",
    "pin",
    "extension",
    "access_numbers",
];

/// The values filled into a template.
pub(crate) struct MailValues<'a> {
    pub(crate) display_name: &'a str,
    pub(crate) smtp_address: &'a str,
    pub(crate) pin: &'a str,
    pub(crate) extension: Option<&'a str>,
    pub(crate) access_numbers: &'a [String],
    /// The policy's `reset_pin_text`, appended after the template.
    pub(crate) reset_pin_text: &'a str,
}

/// The rendered sender, subject and bodies.
pub(crate) struct RenderedMail {
    pub(crate) language: String,
    pub(crate) from: String,
    pub(crate) subject: String,
    pub(crate) text_body: String,
    pub(crate) html_body: String,
}

/// One language's wording, its placeholders checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailTemplate {
    /// The culture name the email is written in (`Content-Language`).
    language: String,
    from: String,
    subject: String,
    text: String,
}

/// Every problem with one template string, as (key, problem): unknown placeholders, a line
/// break in the sender or subject, a sender or subject over a header line's length, a text
/// over 64 KiB or without `{pin}`.
pub(crate) fn problems(key: &str, value: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for name in placeholders(value) {
        if !PLACEHOLDERS.contains(&name) {
            problems.push((
                key.to_string(),
                format!(
                    "unknown placeholder '{{{name}}}' (known: {})",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
    }
    let is_text = key == "text" || key.ends_with(".text");
    if !is_text && value.contains(['\r', '\n']) {
        problems.push((key.to_string(), "must be one line".to_string()));
    }
    let chars = value.chars().count();
    if !is_text && chars > MAX_HEADER_CHARS {
        problems.push((
            key.to_string(),
            format!("must be at most {MAX_HEADER_CHARS} characters (it has {chars})"),
        ));
    }
    if is_text && value.len() > MAX_TEXT_BYTES {
        problems.push((
            key.to_string(),
            format!(
                "must be at most 64 KiB ({MAX_TEXT_BYTES} bytes; it has {})",
                value.len()
            ),
        ));
    }
    if is_text && !placeholders(value).any(|p| p == "pin") {
        problems.push((
            key.to_string(),
            "must contain {pin}, or the email would not tell the PIN".to_string(),
        ));
    }
    problems
}

impl MailTemplate {
    /// A template of strings that passed [`problems`].
    pub(crate) fn new(language: &str, from: &str, subject: &str, text: &str) -> Self {
        MailTemplate {
            language: language.to_string(),
            from: from.to_string(),
            subject: subject.to_string(),
            text: text.to_string(),
        }
    }

    pub(crate) fn render(&self, values: &MailValues<'_>) -> RenderedMail {
        let mut text_body = fill(&self.text, values);
        if !values.reset_pin_text.is_empty() {
            if !text_body.ends_with('\n') {
                text_body.push('\n');
            }
            text_body.push('\n');
            text_body.push_str(values.reset_pin_text);
            text_body.push('\n');
        }
        let html_body = to_html(&text_body);
        RenderedMail {
            language: self.language.clone(),
            from: fill(&self.from, values),
            subject: fill(&self.subject, values),
            text_body,
            html_body,
        }
    }
}

/// The `{name}` placeholders of a template (names of lowercase letters and underscores).
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.split('{').skip(1).filter_map(|rest| {
        let name = rest.split('}').next().filter(|_| rest.contains('}'))?;
        (!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .then_some(name)
    })
}

/// The template with each known `{placeholder}` replaced, in one pass: a value that itself
/// contains `{pin}` or the like (a display name, an access number) is written as it is.
fn fill(template: &str, values: &MailValues<'_>) -> String {
    let domain = values.smtp_address.rsplit('@').next().unwrap_or_default();
    let access_numbers = values.access_numbers.join(", ");
    let value_of = |name: &str| match name {
        "display_name" => Some(values.display_name),
        "smtp_address" => Some(values.smtp_address),
        "domain" => Some(domain),
        "pin" => Some(values.pin),
        "extension" => Some(values.extension.unwrap_or("")),
        "access_numbers" => Some(access_numbers.as_str()),
        _ => None,
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let known = after
            .find('}')
            .and_then(|close| Some((close, value_of(&after[..close])?)));
        match known {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Paragraphs (blank-line separated) become `<p>`, lines within them `<br>`.
fn to_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>",
                p.lines()
                    .map(|l| escape(l).into_owned())
                    .collect::<Vec<_>>()
                    .join("<br>")
            )
        })
        .collect();
    format!("<html><body>{}</body></html>", paragraphs.join(""))
}

#[cfg(test)]
mod tests {
    use super::super::languages::MailWording;
    use super::*;

    fn values() -> MailValues<'static> {
        MailValues {
            display_name: "Alice <Wood>",
            smtp_address: "alice@contoso.com",
            pin: "482913",
            extension: Some("4001"),
            access_numbers: Box::leak(Box::new(vec![
                "+1 425 555 0100".to_string(),
                "+44 20 7946 0000".to_string(),
            ])),
            reset_pin_text: "Call the helpdesk at x5000.",
        }
    }

    #[test]
    fn the_default_wording_carries_every_value_in_both_bodies() {
        let mail = MailWording::from_fixture(MailFixture::default())
            .unwrap()
            .for_language("en-US")
            .render(&values());
        assert_eq!(
            mail.from,
            "Microsoft Exchange <MicrosoftExchange@contoso.com>"
        );
        for needle in [
            "482913",
            "4001",
            "+1 425 555 0100, +44 20 7946 0000",
            "Call the helpdesk at x5000.",
        ] {
            assert!(mail.text_body.contains(needle), "text lacks {needle}");
            assert!(mail.html_body.contains(needle), "html lacks {needle}");
        }
        assert!(mail.text_body.ends_with("Call the helpdesk at x5000.\n"));
        assert!(mail.html_body.contains("Hello Alice &lt;Wood&gt;,"));
    }

    #[test]
    fn a_template_without_the_pin_or_with_unknown_placeholders_is_refused() {
        let fixture = MailFixture {
            subject: Some("PIN for {user}".into()),
            text: Some("no pin here".into()),
            ..MailFixture::default()
        };
        let problems = MailWording::from_fixture(fixture).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].1.contains("{user}"));
        assert!(problems[1].1.contains("must contain {pin}"));
    }
}
