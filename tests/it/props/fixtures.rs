//! Arbitrary and mutated `mock.json` text through `FixtureSet::validate` and
//! `UmMockServer::builder().fixtures(…).start()`: no panic, the two agree, and every problem
//! says what is wrong.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use exchange_um_mock::{ErrorKind, FixtureSet, UmMockServer};

use super::check;
use super::json::{number, string, value};
use crate::support::*;

/// The keys that appear in `mock.json`.
const KEYS: &[&str] = &[
    "server",
    "fqdn",
    "auth",
    "mail",
    "from",
    "subject",
    "text",
    "languages",
    "language",
    "default_language",
    "policies",
    "name",
    "min_pin_length",
    "pin_history_count",
    "allow_common_patterns",
    "pin_lifetime_days",
    "max_logon_attempts",
    "dial_plans",
    "access_numbers",
    "mailboxes",
    "smtp_address",
    "logons",
    "display_name",
    "password",
    "um_enabled",
    "extension",
    "policy",
    "dial_plan",
    "pin",
    "properties",
    "scenarios",
    "mailbox",
    "operation",
    "outcomes",
    "then",
    "fixture",
];

/// Strings the fixture checks care about.
const STRINGS: &[&str] = &[
    "alice@contoso.com",
    "CONTOSO\\alice",
    "Default",
    "Strict",
    "Nope",
    "Contoso",
    "135790",
    "123456",
    "1234",
    "ResetPIN",
    "ResetPIN/server-busy",
    "ResetPIN/missing",
    "*",
    "default",
    "repeat-last",
    "cycle",
    "basic",
    "ntlm",
    "kerberos",
    "not an address",
    "a\r\nb",
    "pt-BR",
    "sv-SE",
    "pt BR",
];

/// One change to the parsed default `mock.json`, or to its text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the key or element at a path.
    Remove(Index),
    /// Replaces the value at a path.
    Replace(Index, Value),
    /// Sets the value at one path to a copy of the value at another (duplicate addresses).
    Copy(Index, Index),
    /// Appends a copy of an array element to its array (duplicate mailboxes, policies).
    Duplicate(Index),
    /// Cuts the text at a byte.
    Truncate(Index),
    /// Flips bits of a byte of the text.
    Flip(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let replacement = prop_oneof![
        number(),
        prop_oneof![
            Just(0),
            Just(3),
            Just(4),
            Just(24),
            Just(25),
            Just(1000),
            Just(-1)
        ]
        .prop_map(Value::from),
        string(STRINGS).prop_map(Value::from),
        value(KEYS, STRINGS),
    ];
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Remove),
        4 => (any::<Index>(), replacement).prop_map(|(at, v)| Mutation::Replace(at, v)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(to, from)| Mutation::Copy(to, from)),
        2 => any::<Index>().prop_map(Mutation::Duplicate),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip(at, xor)),
    ]
}

/// Every JSON pointer in `value` but the root's, in document order.
fn pointers(value: &Value, at: String, all: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (token, child) in children {
        let pointer = format!("{at}/{token}");
        all.push(pointer.clone());
        pointers(child, pointer, all);
    }
}

/// The parent of a pointer and its last token, unescaped.
fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

/// The mutated text: JSON mutations change the document, text mutations its serialisation.
fn mutated(mutations: &[Mutation]) -> String {
    let mut doc: Value = serde_json::from_str(&default_mock_json()).unwrap();
    let mut text: Option<Vec<u8>> = None;
    for m in mutations {
        if let Some(bytes) = &mut text {
            match m {
                Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
                Mutation::Flip(at, xor) if !bytes.is_empty() => {
                    let at = at.index(bytes.len());
                    bytes[at] ^= xor;
                }
                _ => {}
            }
            continue;
        }
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        if all.is_empty() {
            continue;
        }
        let pick = |at: &Index| all[at.index(all.len())].clone();
        match m {
            Mutation::Remove(at) => {
                let pointer = pick(at);
                let (parent, last) = split(&pointer);
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last);
                    }
                    Some(Value::Array(items)) => {
                        items.remove(last.parse::<usize>().unwrap());
                    }
                    _ => {}
                }
            }
            Mutation::Replace(at, value) => *doc.pointer_mut(&pick(at)).unwrap() = value.clone(),
            Mutation::Copy(to, from) => {
                let copy = doc.pointer(&pick(from)).unwrap().clone();
                *doc.pointer_mut(&pick(to)).unwrap() = copy;
            }
            Mutation::Duplicate(at) => {
                let pointer = pick(at);
                let copy = doc.pointer(&pointer).unwrap().clone();
                if let Some(Value::Array(items)) = doc.pointer_mut(split(&pointer).0) {
                    items.push(copy);
                }
            }
            Mutation::Truncate(_) | Mutation::Flip(..) => {
                let mut bytes = serde_json::to_vec_pretty(&doc).unwrap();
                if let Mutation::Truncate(at) = m {
                    bytes.truncate(at.index(bytes.len() + 1));
                } else if let Mutation::Flip(at, xor) = m {
                    let at = at.index(bytes.len());
                    bytes[at] ^= xor;
                }
                text = Some(bytes);
            }
        }
    }
    match text {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => serde_json::to_string_pretty(&doc).unwrap(),
    }
}

/// What is loaded: arbitrary text, any JSON, or the default fixtures with some mutations.
fn mock_json() -> BoxedStrategy<String> {
    prop_oneof![
        1 => "\\PC{0,64}",
        1 => value(KEYS, STRINGS).prop_map(|v| v.to_string()),
        6 => vec(mutation(), 1..4).prop_map(|m| mutated(&m)),
    ]
    .boxed()
}

/// The default fixture set's canned responses beside this `mock.json`.
fn fixture_set(json: &str) -> FixtureSet {
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

#[test]
fn any_mock_json_is_validated_and_started_alike_and_every_problem_says_what_is_wrong() {
    let default = fixture_set(&default_mock_json()).validate();
    assert!(default.is_ok(), "the default fixtures: {default:?}");

    check(128, mock_json(), |json| {
        let set = fixture_set(&json);
        let validated = set.validate();
        let started = futures::executor::block_on(UmMockServer::builder().fixtures(set).start());
        match (&validated, started) {
            (Ok(_), Ok(server)) => drop(server),
            (Err(validated), Err(at_start)) if at_start.kind() == ErrorKind::Fixtures => {
                let problems = validated.problems();
                prop_assert!(!problems.is_empty(), "Err with no problems");
                for problem in problems {
                    prop_assert!(!problem.message.trim().is_empty(), "{:?}", problem);
                }
                prop_assert_eq!(
                    problems,
                    at_start.problems(),
                    "validate and start report alike"
                );
            }
            (validated, started) => prop_assert!(
                false,
                "validate said {:?} but start said {:?}",
                validated,
                started.map(|_| "started")
            ),
        }
        Ok(())
    });
}

#[test]
fn the_schema_never_flags_a_mock_json_the_loader_accepts() {
    // An editor that shows a schema error on a file the double would serve is worse than none.
    let validator = crate::schema::validator();

    check(256, mock_json(), |json| {
        let Ok(doc) = serde_json::from_str::<Value>(&json) else {
            return Ok(());
        };
        if fixture_set(&json).validate().is_ok() {
            let errors = crate::schema::schema_errors(&validator, &doc);
            prop_assert!(errors.is_empty(), "{}: {:?}", json, errors);
        }
        Ok(())
    });
}
