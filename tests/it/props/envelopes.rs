//! Arbitrary bytes and mutated ResetPIN / SetOofStatus / PlayOnPhone envelopes, POSTed as
//! alice: always a SOAP answer that parses (or a 413), and afterwards one email per successful
//! reset, a valid PIN history and unique ids.

use std::cell::Cell;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::Value;

use exchange_um_mock::UmMockServer;

use super::soap::parse_answer;
use super::{check, runtime, try_send};
use crate::support::*;

const ALICE: &str = "alice@contoso.com";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Above every valid envelope here, below the deepest nestings and the longest random bodies.
const MAX_BODY: usize = 512;
const ENTRY_ID: &str = "AAAAABHK6Y9Wr7dKhXu9gAAAAAAHAHq1bFLkRsJIqpKQcqzbXlMAAAAAAR8AAA==";

/// A valid request envelope for one of the three operations.
fn valid(operation: &str) -> Vec<u8> {
    let children = match operation {
        "SetOofStatus" => "<status>true</status>".to_string(),
        "PlayOnPhone" => {
            format!("<entryId>{ENTRY_ID}</entryId><DialString>4255550142</DialString>")
        }
        _ => String::new(),
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><{operation} xmlns="{HTTP_NS}">{children}</{operation}></soap:Body></soap:Envelope>"#
    )
    .into_bytes()
}

/// One change to an envelope's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    /// Replaces the first occurrence of the first string with the second.
    Replace(&'static str, &'static str),
    /// Wraps the Body's content in this many elements.
    Deepen(usize),
    /// Puts a DTD before the Envelope and a reference to its entity into the Body.
    Dtd(&'static str),
}

/// Snippets that mean something to an XML reader.
const SNIPPETS: &[&str] = &[
    "<",
    ">",
    "&",
    "&amp;",
    "&#0;",
    "&#x10FFFF;",
    "&nope;",
    "]]>",
    "<![CDATA[x]]>",
    "<!-- -->",
    "<?pi x?>",
    "\"",
    "'",
    "</soap:Body>",
    "<soap:Body>",
    "<soap:Header/>",
    "xmlns=\"\"",
    "\u{0}",
    "\u{feff}",
];

/// Bytes that are not UTF-8: a lone continuation, a truncated sequence, a surrogate, 0xFF.
const NOT_UTF8: &[&[u8]] = &[
    b"\x80",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xff\xfe",
    b"\xf8\x88\x80\x80\x80",
];

const REPLACEMENTS: &[(&str, &str)] = &[
    (SOAP11, SOAP12),
    (SOAP11, ""),
    (SOAP11, "urn:not-soap"),
    (HTTP_NS, HTTPS_NS),
    (HTTP_NS, ""),
    (
        HTTP_NS,
        "http://schemas.microsoft.com/exchange/services/2006/types",
    ),
    ("utf-8", "utf-16"),
    ("utf-8", "iso-8859-1"),
    ("utf-8", "us-ascii"),
    ("soap:Envelope", "soap:Envelop"),
    ("soap:Body", "Body"),
    ("true", "maybe"),
    ("ResetPIN", "ResetPin"),
    ("4255550142", ""),
];

const DTDS: &[&str] = &[
    r#"<!DOCTYPE soap:Envelope [<!ENTITY x "boom">]>"#,
    r#"<!DOCTYPE soap:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>"#,
    r#"<!DOCTYPE soap:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>"#,
    r#"<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:1/evil.dtd">"#,
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip(at, xor)),
        (any::<Index>(), select(SNIPPETS)).prop_map(|(at, s)| Mutation::Insert(at, s.into())),
        (any::<Index>(), select(NOT_UTF8)).prop_map(|(at, b)| Mutation::Insert(at, b.to_vec())),
        (any::<Index>(), vec(any::<u8>(), 1..8)).prop_map(|(at, b)| Mutation::Insert(at, b)),
        select(REPLACEMENTS).prop_map(|(from, to)| Mutation::Replace(from, to)),
        prop_oneof![1..8usize, 60..70usize, 100..300usize].prop_map(Mutation::Deepen),
        select(DTDS).prop_map(Mutation::Dtd),
    ]
}

fn replace_first(bytes: &mut Vec<u8>, from: &[u8], to: &[u8]) -> bool {
    match bytes.windows(from.len()).position(|w| w == from) {
        Some(at) => {
            bytes.splice(at..at + from.len(), to.iter().copied());
            true
        }
        None => false,
    }
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        match self {
            Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
            Mutation::Flip(at, xor) if !bytes.is_empty() => {
                let at = at.index(bytes.len());
                bytes[at] ^= xor;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(at, snippet) => {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, snippet.iter().copied());
            }
            Mutation::Replace(from, to) => {
                replace_first(bytes, from.as_bytes(), to.as_bytes());
            }
            Mutation::Deepen(depth) => {
                let open = format!("<soap:Body>{}", "<d>".repeat(*depth));
                let close = format!("{}</soap:Body>", "</d>".repeat(*depth));
                if replace_first(bytes, b"<soap:Body>", open.as_bytes()) {
                    replace_first(bytes, b"</soap:Body>", close.as_bytes());
                }
            }
            Mutation::Dtd(dtd) => {
                let dtd_then_root = format!("{dtd}<soap:Envelope");
                replace_first(bytes, b"<soap:Envelope", dtd_then_root.as_bytes());
                replace_first(bytes, b"</soap:Body>", b"&x;</soap:Body>");
            }
        }
    }
}

/// What is POSTed: random bytes, or a valid envelope with some mutations.
#[derive(Debug, Clone)]
enum Case {
    Bytes(Vec<u8>),
    Mutated(&'static str, Vec<Mutation>),
}

impl Case {
    fn body(&self) -> Vec<u8> {
        match self {
            Case::Bytes(bytes) => bytes.clone(),
            Case::Mutated(operation, mutations) => {
                let mut bytes = valid(operation);
                for m in mutations {
                    m.apply(&mut bytes);
                }
                bytes
            }
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        1 => vec(any::<u8>(), 0..600).prop_map(Case::Bytes),
        4 => (
            select(&["ResetPIN", "SetOofStatus", "PlayOnPhone"][..]),
            vec(mutation(), 0..4)
        )
            .prop_map(|(operation, mutations)| Case::Mutated(operation, mutations)),
    ]
}

#[test]
fn any_envelope_gets_a_soap_answer_and_every_successful_reset_exactly_one_email() {
    let rt = runtime();
    // A small body limit, so that deep nestings and long random bodies also meet the 413.
    let mock = rt.block_on(Mock::with(UmMockServer::builder().max_body_bytes(MAX_BODY)));
    let resets = Cell::new(0u64);

    check(
        96,
        (case(), select(&[PATH_2010, PATH_2007][..])),
        |(case, path)| {
            let reply = rt.block_on(try_send(
                mock.client
                    .post(mock.url(path))
                    .header("Authorization", basic("alice", "any"))
                    .header("Content-Type", SOAP_CONTENT_TYPE)
                    .body(case.body()),
            ));
            let reply = reply.map_err(TestCaseError::fail)?;
            let text = String::from_utf8_lossy(&reply.body);
            let over = case.body().len() > MAX_BODY;
            prop_assert_eq!(
                reply.status == 413,
                over,
                "{} bytes: {}",
                case.body().len(),
                text
            );
            if reply.status != 200 {
                prop_assert!(
                    reply.maybe_header("X-Exum-Reason").is_some(),
                    "{} without X-Exum-Reason: {text}",
                    reply.status
                );
            }
            match reply.status {
                413 => {}
                200 | 500 => {
                    let answer = parse_answer(&reply.body).map_err(|e| {
                        TestCaseError::fail(format!("{}: {e}: {text}", reply.status))
                    })?;
                    prop_assert_eq!(answer.fault, reply.status == 500, "{}", text);
                    if answer.body_child == "ResetPINResponse" {
                        resets.set(resets.get() + 1);
                    }
                }
                status => prop_assert!(false, "status {status}: {text}"),
            }
            Ok(())
        },
    );

    rt.block_on(async {
        let emails = mock.emails(&format!("mailbox={ALICE}")).await;
        assert_eq!(
            emails["total"],
            resets.get(),
            "one email per successful reset"
        );
        assert_eq!(emails["evicted"], 0);
        assert_strictly_increasing(field(&emails["emails"], "id"), "email ids");

        let journal = mock.journal("").await;
        assert_strictly_increasing(field(&journal["requests"], "id"), "journal ids");

        let alice = mock.mailbox(ALICE).await;
        let history: Vec<&str> = alice["pin_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(history.len() <= 5, "more than pin_history_count: {alice:#}");
        for pin in &history {
            assert!(
                pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
                "PIN {pin:?} is not 6 digits: {alice:#}"
            );
        }
        assert_eq!(alice["pin"].as_str(), history.last().copied(), "{alice:#}");
        if let Some(last) = emails["emails"].as_array().unwrap().last() {
            assert_eq!(
                last["pin"], alice["pin"],
                "the last email carries the current PIN"
            );
        }
        // Each new PIN differs from the five before it, the fixture PIN counting as the first.
        let mut pins = vec!["135790"];
        for email in emails["emails"].as_array().unwrap() {
            let pin = email["pin"].as_str().unwrap();
            let recent = &pins[pins.len().saturating_sub(5)..];
            assert!(!recent.contains(&pin), "{pin} repeats one of {recent:?}");
            pins.push(pin);
        }
    });
}

/// Asserts the ids are numbers, each greater than the one before (so also unique).
fn assert_strictly_increasing(ids: Vec<&Value>, what: &str) {
    let ids: Vec<u64> = ids.iter().map(|id| id.as_u64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "{what} not strictly increasing: {ids:?}"
    );
}
