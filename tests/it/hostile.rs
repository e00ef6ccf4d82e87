//! Hostile input at bounded cost: documents built to make a check quadratic, stray and special
//! files in a fixtures folder. Each attack is reproduced at a bounded size and the test asserts
//! on the answer; the work itself is counted in the unit tests beside each check.

use crate::support::*;

/// A ResetPIN envelope whose operation element carries `attributes` (already rendered).
fn envelope_with_attributes(attributes: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><ResetPIN xmlns="{HTTP_NS}"{attributes}/></soap:Body></soap:Envelope>"#
    )
}

#[tokio::test]
async fn ninety_thousand_attributes_on_one_element_get_an_answer_not_a_stall() {
    let mock = Mock::start().await;
    let attributes: String = (0..90_000).map(|i| format!(" a{i}=''")).collect();

    let distinct = envelope_with_attributes(&attributes);
    assert!(
        distinct.len() > 860_000,
        "the attack's size: {}",
        distinct.len()
    );
    let reply = mock.post_as("alice", PATH_2010, distinct).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    let repeated = envelope_with_attributes(&format!("{attributes} a0=''"));
    let reply = mock.post_as("alice", PATH_2010, repeated).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), invalid_request_xml());
    assert!(reply.header("X-Exum-Reason").contains("'a0' appears twice"));
}

#[tokio::test]
async fn piled_up_namespace_declarations_get_the_invalid_request_fault() {
    let mock = Mock::start().await;
    let declarations: String = (0..20_000)
        .map(|i| format!(" xmlns:p{i}='urn:{i}'"))
        .collect();
    let body = format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11}"{declarations}><soap:Body>{}<ResetPIN xmlns="{HTTP_NS}"/></soap:Body></soap:Envelope>"#,
        "<p0:e/>".repeat(20_000)
    );

    let reply = mock.post_as("alice", PATH_2010, body).await;

    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), invalid_request_xml());
    assert!(reply
        .header("X-Exum-Reason")
        .contains("more than 256 namespace declarations in scope"));
}
