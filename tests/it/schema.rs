//! The JSON Schema of `mock.json`: the committed file is the generated one, it is a
//! valid draft 2020-12 schema, `exchange-um-mock schema` and `GET /__admin/schema/mock.json`
//! serve it, and every fixture the project ships validates against it.

use serde_json::Value;

use exchange_um_mock::FixtureSet;

use crate::cli::command;
use crate::support::*;

/// The top-level keys of `mock.json`.
pub(crate) const SECTIONS: [&str; 7] = [
    "$schema",
    "server",
    "mail",
    "policies",
    "dial_plans",
    "mailboxes",
    "scenarios",
];

/// `json` as `mock.json` beside the default fixtures' canned responses.
pub(crate) fn fixture_set_with_responses(json: &str) -> FixtureSet {
    let mut set = FixtureSet::from_mock_json(json);
    for entry in std::fs::read_dir(fixture_path("responses/ResetPIN")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        set = set.with_file(
            format!("responses/ResetPIN/{name}"),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    set
}

/// The schema as the double generates it, compiled.
pub(crate) fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&FixtureSet::schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Every complaint of the schema about `doc`, as `pointer: message`.
pub(crate) fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

#[test]
fn the_committed_schema_file_is_the_one_the_double_generates() {
    let committed = String::from_utf8(fixture_bytes("mock.schema.json")).unwrap();

    let generated = FixtureSet::schema();

    assert!(
        committed == generated,
        "fixtures/mock.schema.json is out of date with the fixture types. Regenerate it with\n\n    \
         cargo run -- schema > fixtures/mock.schema.json\n\nand commit the result."
    );
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema_with_descriptions_and_defaults() {
    let schema: Value = serde_json::from_str(&FixtureSet::schema()).unwrap();

    jsonschema::meta::validate(&schema).unwrap();

    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let policy = &schema["$defs"]["PinPolicy"]["properties"]["min_pin_length"];
    assert_eq!(
        (&policy["default"], &policy["minimum"], &policy["maximum"]),
        (&Value::from(6), &Value::from(4), &Value::from(24))
    );
    assert!(policy["description"]
        .as_str()
        .unwrap()
        .starts_with("Digits in a generated PIN"));
    let auth = &schema["$defs"]["ServerFixture"]["properties"]["auth"]["default"];
    assert_eq!(auth, &serde_json::json!(["negotiate", "ntlm", "basic"]));
}

#[test]
fn the_schema_command_prints_the_schema_on_stdout() {
    let output = command().arg("schema").output().unwrap();

    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        FixtureSet::schema()
    );
    assert!(output.stderr.is_empty());
}

#[tokio::test]
async fn the_admin_api_serves_the_schema_as_schema_json() {
    let mock = Mock::start().await;

    let reply = mock.admin("GET", "/__admin/schema/mock.json", None).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/schema+json");
    assert_eq!(reply.text(), FixtureSet::schema());
}

#[test]
fn the_default_mock_json_points_at_the_schema_beside_it_and_validates() {
    let doc: Value = serde_json::from_str(&default_mock_json()).unwrap();

    let errors = schema_errors(&validator(), &doc);

    assert_eq!(doc["$schema"], "./mock.schema.json");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        FixtureSet::embedded().validate().is_ok(),
        "and the loader accepts it"
    );
}

/// The fixture examples of README.md and `docs/*.md`: ```json blocks that are a `mock.json` or
/// a part of one (a `"scenarios": [...]` member is wrapped in braces), each with its file and
/// line.
fn documented_fixture_examples() -> Vec<(String, usize, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            files.push(format!("docs/{name}"));
        }
    }
    files
        .into_iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(root.join(&file)).unwrap();
            fixture_examples(&text)
                .into_iter()
                .map(move |(line, doc)| (file.clone(), line, doc))
        })
        .collect()
}

fn fixture_examples(markdown: &str) -> Vec<(usize, Value)> {
    let mut examples = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match (&mut block, line) {
            (None, "```json") => block = Some((n + 1, String::new())),
            (Some((start, text)), "```") => {
                let trimmed = text.trim();
                let wrapped = if trimmed.starts_with('"') {
                    format!("{{{trimmed}}}")
                } else {
                    trimmed.to_string()
                };
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&wrapped) {
                    if map.keys().all(|k| SECTIONS.contains(&k.as_str())) {
                        examples.push((*start, Value::Object(map)));
                    }
                }
                block = None;
            }
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn the_documented_fixture_examples_validate_against_the_schema() {
    let validator = validator();

    let examples = documented_fixture_examples();

    assert!(
        examples.len() >= 3,
        "the docs show a whole mock.json, scenarios and the $schema line: {examples:?}"
    );
    for (file, line, doc) in examples {
        let errors = schema_errors(&validator, &doc);
        assert!(errors.is_empty(), "{file} line {line}: {errors:#?}");
    }
}

/// Every `mock.json` the integration tests write inline: raw string literals that parse as an
/// object of `mock.json` sections.
fn inline_test_fixtures() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for literal in source
            .split("r#\"")
            .skip(1)
            .filter_map(|s| s.split_once("\"#"))
        {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(literal.0) {
                if !map.is_empty() && map.keys().all(|k| SECTIONS.contains(&k.as_str())) {
                    found.push((path.display().to_string(), Value::Object(map)));
                }
            }
        }
    }
    found
}

#[test]
fn every_inline_test_fixture_the_loader_accepts_validates_against_the_schema() {
    let validator = validator();

    let fixtures = inline_test_fixtures();

    assert!(fixtures.len() >= 5, "{fixtures:?}");
    let mut accepted = 0;
    for (file, doc) in fixtures {
        let set = fixture_set_with_responses(&doc.to_string());
        if set.validate().is_ok() {
            accepted += 1;
            let errors = schema_errors(&validator, &doc);
            assert!(errors.is_empty(), "{file}: {doc}: {errors:#?}");
        }
    }
    assert!(accepted >= 5, "only {accepted} accepted");
}

#[test]
fn a_schema_key_must_be_a_string_and_is_otherwise_ignored() {
    let with_schema = FixtureSet::from_mock_json(r#"{"$schema": "https://example.com/s.json"}"#);
    let bad = FixtureSet::from_mock_json(r#"{"$schema": 5}"#);

    let accepted = with_schema.validate();
    let refused = bad.validate().unwrap_err();

    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(refused.problems().len(), 1);
    assert_eq!(
        refused.problems()[0].to_string(),
        "mock.json: $schema: must be a string, not a number"
    );
}
