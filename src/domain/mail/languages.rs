//! [`MailWording`]: the PIN email's wording in every language a mailbox may have, resolved once
//! from the `mail` section of `mock.json` over the double's own wording ([`super::wording`]).
//! Per key, the most specific wins: `mail.languages.<lang>.<key>`, then `mail.<key>`, then the
//! built-in wording of that language (the sender: the double's own in every language).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::template::{self, MailFixture, MailTemplate};
use super::wording::{self, DEFAULT_FROM, DEFAULT_LANGUAGE};

/// The checked wording per language; always has [`DEFAULT_LANGUAGE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailWording {
    /// Shared with every email written in that language, which is rendered when read.
    by_language: BTreeMap<String, Arc<MailTemplate>>,
}

impl MailWording {
    /// The wording the fixture describes, or every problem as (key under `mail`, problem).
    pub(crate) fn from_fixture(fixture: MailFixture) -> Result<Self, Vec<(String, String)>> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("from", &fixture.from),
            ("subject", &fixture.subject),
            ("text", &fixture.text),
        ] {
            if let Some(value) = value {
                problems.extend(template::problems(key, value));
            }
        }
        for (language, entry) in &fixture.languages {
            let at = format!("languages.{language}");
            if !is_culture_name(language) {
                problems.push((
                    at.clone(),
                    format!("'{language}' is not a culture name such as pt-BR"),
                ));
            }
            // Culture names are matched exactly, so `en-us` would be a language of its own
            // that no mailbox has, and its wording would silently go unused.
            if let Some(named) = wording::BUILT_IN
                .iter()
                .map(|b| b.language)
                .find(|b| *b != language.as_str() && b.eq_ignore_ascii_case(language))
            {
                problems.push((
                    at.clone(),
                    format!("write '{language}' as '{named}': culture names are matched exactly"),
                ));
            }
            for (key, value) in [
                ("from", &entry.from),
                ("subject", &entry.subject),
                ("text", &entry.text),
            ] {
                match value {
                    Some(value) => {
                        problems.extend(template::problems(&format!("{at}.{key}"), value))
                    }
                    None if key != "from" && wording::built_in(language).is_none() => {
                        problems.push((
                            format!("{at}.{key}"),
                            format!(
                                "required: the double has no wording of its own for '{language}' (built in: {})",
                                wording::built_in_names()
                            ),
                        ));
                    }
                    None => {}
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }

        let mut by_language = BTreeMap::new();
        for built_in in &wording::BUILT_IN {
            let entry = fixture.languages.get(built_in.language);
            let pick = |own: Option<&Option<String>>, shared: &Option<String>, default: &str| {
                own.and_then(Option::as_deref)
                    .or(shared.as_deref())
                    .unwrap_or(default)
                    .to_string()
            };
            let template = MailTemplate::new(
                built_in.language,
                &pick(entry.map(|e| &e.from), &fixture.from, DEFAULT_FROM),
                &pick(
                    entry.map(|e| &e.subject),
                    &fixture.subject,
                    built_in.subject,
                ),
                &pick(entry.map(|e| &e.text), &fixture.text, built_in.text),
            );
            by_language.insert(built_in.language.to_string(), Arc::new(template));
        }
        for (language, entry) in &fixture.languages {
            if by_language.contains_key(language) {
                continue;
            }
            // Checked above: a language not built in has a subject and a text.
            let (Some(subject), Some(text)) = (&entry.subject, &entry.text) else {
                continue;
            };
            let from = entry
                .from
                .as_deref()
                .or(fixture.from.as_deref())
                .unwrap_or(DEFAULT_FROM);
            let template = MailTemplate::new(language, from, subject, text);
            by_language.insert(language.clone(), Arc::new(template));
        }
        Ok(MailWording { by_language })
    }

    /// The double's own wording in every built-in language.
    pub(crate) fn built_in() -> Self {
        Self::from_fixture(MailFixture::default())
            .expect("the double's own wording passes its checks")
    }

    /// Whether there is wording for `language` (exact culture name).
    pub(crate) fn has(&self, language: &str) -> bool {
        self.by_language.contains_key(language)
    }

    /// The problem with a mailbox's or dial plan's `language`, if there is no wording for it.
    pub(crate) fn language_problem(&self, language: &str) -> Option<String> {
        (!self.has(language)).then(|| {
            if let Some(named) = self
                .by_language
                .keys()
                .find(|known| known.eq_ignore_ascii_case(language))
            {
                return format!(
                    "no wording for language '{language}': write it as '{named}' (culture names are matched exactly)"
                );
            }
            format!(
                "no wording for language '{language}': the double writes {}; another language needs its subject and text in mail.languages",
                self.by_language.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// The template for `language`. Fixtures and `PATCH` only let a mailbox have a language
    /// with wording; the default language stands in should that ever not hold.
    pub(crate) fn for_language(&self, language: &str) -> Arc<MailTemplate> {
        self.by_language
            .get(language)
            .or_else(|| self.by_language.get(DEFAULT_LANGUAGE))
            .cloned()
            .expect("the default language is always built in")
    }
}

/// A culture name as `patterns::LANGUAGE` reads one: letters, then `-`-separated subtags of
/// letters and digits (`pt-BR`, `zh-Hant-TW`, `sr-Latn-RS`). It is also written into the
/// `Content-Language` header, which this keeps to a safe token.
pub(crate) fn is_culture_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=8).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wording(json: &str) -> Result<MailWording, Vec<(String, String)>> {
        MailWording::from_fixture(serde_json::from_str(json).unwrap())
    }

    fn rendered(wording: &MailWording, language: &str) -> template::RenderedMail {
        wording
            .for_language(language)
            .render(&template::MailValues {
                display_name: "A",
                smtp_address: "a@x.com",
                pin: "482913",
                extension: None,
                access_numbers: &[],
                reset_pin_text: "",
            })
    }

    fn subject(wording: &MailWording, language: &str) -> String {
        rendered(wording, language).subject
    }

    #[test]
    fn a_key_under_mail_applies_to_every_language_that_does_not_set_its_own() {
        let w = wording(
            r#"{"subject": "PIN reset", "languages": {"pt-BR": {"subject": "PIN redefinido"}}}"#,
        )
        .unwrap();

        assert_eq!(subject(&w, "pt-BR"), "PIN redefinido");
        assert_eq!(subject(&w, "de-DE"), "PIN reset");
        assert_eq!(subject(&w, "en-US"), "PIN reset");
    }

    #[test]
    fn without_overrides_each_built_in_language_has_its_own_subject() {
        let w = MailWording::built_in();
        for built_in in &wording::BUILT_IN {
            assert_eq!(subject(&w, built_in.language), built_in.subject);
        }
    }

    #[test]
    fn a_language_not_built_in_needs_a_subject_and_a_text_but_not_a_sender() {
        let problems =
            wording(r#"{"languages": {"sv-SE": {"from": "Exchange <x@{domain}>"}}}"#).unwrap_err();
        let keys: Vec<_> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["languages.sv-SE.subject", "languages.sv-SE.text"]);
        assert!(problems[0].1.contains("'sv-SE'"), "{problems:?}");

        let w = wording(
            r#"{"from": "Helpdesk <help@{domain}>", "languages": {"sv-SE": {"subject": "Din PIN", "text": "PIN: {pin}"}}}"#,
        )
        .unwrap();
        assert!(w.has("sv-SE"));
        assert_eq!(rendered(&w, "sv-SE").from, "Helpdesk <help@x.com>");
    }

    #[test]
    fn a_built_in_language_in_another_case_is_a_problem_not_a_language_of_its_own() {
        let problems =
            wording(r#"{"languages": {"en-us": {"subject": "x", "text": "{pin}"}}}"#).unwrap_err();

        assert_eq!(problems[0].0, "languages.en-us");
        assert!(problems[0].1.contains("'en-US'"), "{problems:?}");
        let built_in = MailWording::built_in();
        let patch = built_in.language_problem("PT-br").unwrap();
        assert!(patch.contains("write it as 'pt-BR'"), "{patch}");
    }

    #[test]
    fn a_language_key_must_be_a_culture_name() {
        let problems =
            wording(r#"{"languages": {"pt BR": {"subject": "x", "text": "{pin}"}}}"#).unwrap_err();
        assert_eq!(problems[0].0, "languages.pt BR");
        for good in ["pt-BR", "ja-JP", "zh-Hant-TW", "fil-PH"] {
            assert!(is_culture_name(good), "{good}");
        }
        for bad in ["", "p", "pt_BR", "pt-", "-BR", "pt-BR\r\nX: y", "日本"] {
            assert!(!is_culture_name(bad), "{bad:?}");
        }
    }
}
