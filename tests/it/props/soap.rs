//! What a SOAP answer must look like to a client: a SOAP 1.1 envelope that parses, with a body
//! holding either an operation's response or a `Fault` with its code and string.

use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

use crate::support::SOAP11;

/// The parts of an answer envelope the properties look at.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    /// The local name of the first element in `Body` (`ResetPINResponse`, `Fault`).
    pub body_child: String,
    /// Whether that element is a SOAP 1.1 `Fault` with a `faultcode` and a `faultstring`.
    pub fault: bool,
}

/// One open element: whether it is in the SOAP 1.1 namespace, and its local name.
type Open = (bool, String);

/// Parses `body` as a SOAP 1.1 envelope; the reason it is not one otherwise.
pub fn parse_answer(body: &[u8]) -> Result<Answer, String> {
    std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut reader = NsReader::from_reader(body);
    let mut open: Vec<Open> = Vec::new();
    let mut roots = 0;
    let mut body_child: Option<Open> = None;
    let (mut fault_code, mut fault_string) = (false, false);
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("does not parse: {e}"))?;
        let soap =
            matches!(resolved, ResolveResult::Bound(Namespace(ns)) if ns == SOAP11.as_bytes());
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(start) = start else { continue };
        let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        match open.as_slice() {
            [] => {
                roots += 1;
                if !(soap && name == "Envelope") {
                    return Err(format!("the root is {name}, not a SOAP 1.1 Envelope"));
                }
            }
            [_] if !(soap && name == "Body") => {
                return Err(format!("{name} in the Envelope, not a SOAP 1.1 Body"));
            }
            [_, _] if body_child.is_none() => body_child = Some((soap, name.clone())),
            [_, _, (true, fault)] if fault == "Fault" => {
                fault_code |= name == "faultcode";
                fault_string |= name == "faultstring";
            }
            _ => {}
        }
        if !empty {
            open.push((soap, name));
        }
    }
    if roots != 1 || !open.is_empty() {
        return Err(format!("{roots} root element(s), {} left open", open.len()));
    }
    let (soap, body_child) = body_child.ok_or("an empty Body")?;
    let fault = soap && body_child == "Fault";
    if fault && !(fault_code && fault_string) {
        return Err("a Fault without faultcode or faultstring".into());
    }
    Ok(Answer { body_child, fault })
}

#[test]
fn the_answer_reader_knows_a_success_from_a_fault_and_refuses_what_is_not_an_envelope() {
    use crate::support::{empty_response_xml, invalid_request_xml, HTTP_NS};

    let success = empty_response_xml(HTTP_NS, "ResetPIN");
    assert_eq!(
        parse_answer(success.as_bytes()),
        Ok(Answer {
            body_child: "ResetPINResponse".into(),
            fault: false
        })
    );
    let fault = invalid_request_xml();
    assert!(parse_answer(fault.as_bytes()).unwrap().fault);

    for broken in [
        &success[..success.len() - 3],
        "",
        "<Envelope/>",
        &success.replace(SOAP11, "urn:x"),
        &fault.replace("faultstring", "reason"),
    ] {
        assert!(parse_answer(broken.as_bytes()).is_err(), "{broken}");
    }
}
