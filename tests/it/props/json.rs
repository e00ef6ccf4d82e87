//! Strategies for JSON values: trees whose keys mostly come from a real key set and whose
//! values are of every type, with strings a parser is likely to care about.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Number, Value};

/// Strings worth trying anywhere: empty, control characters, CR/LF, non-ASCII, long.
const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "\r\n",
    "a\r\nBcc: eve@example.com",
    "\u{0}",
    "é✓𝄞",
    "null",
    "true",
    "-1",
    "*",
];

/// A string: one from `known`, an odd one, or a random one.
pub fn string(known: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(known).prop_map(String::from),
        1 => select(ODD_STRINGS).prop_map(String::from),
        1 => "\\PC{0,12}",
    ]
    .boxed()
}

/// A number of any kind: small, negative, huge, fractional.
pub fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u64..100).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
    .boxed()
}

/// A JSON leaf: null, a boolean, a number or a string.
pub fn leaf(strings: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        string(strings).prop_map(Value::from),
    ]
    .boxed()
}

/// A key: mostly one of `keys`, sometimes any other.
pub fn key(keys: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(keys).prop_map(String::from),
        1 => "[a-z_]{1,10}",
    ]
    .boxed()
}

/// A JSON tree up to three levels deep with keys from `keys` and strings from `strings`.
pub fn value(
    keys: &'static [&'static str],
    strings: &'static [&'static str],
) -> BoxedStrategy<Value> {
    leaf(strings)
        .prop_recursive(3, 24, 5, move |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Value::Array),
                object(key(keys), inner),
            ]
        })
        .boxed()
}

/// An object of up to five entries with these keys and values.
pub fn object(
    keys: impl Strategy<Value = String> + 'static,
    values: impl Strategy<Value = Value> + 'static,
) -> BoxedStrategy<Value> {
    vec((keys, values), 0..6)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()))
        .boxed()
}
