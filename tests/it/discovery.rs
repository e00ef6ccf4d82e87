//! How clients find and describe the service: `GET <endpoint>?wsdl` and POX Autodiscover.

use crate::support::*;

const AUTODISCOVER_REQUEST: &str = r#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"#;

/// The text of the first `<name>` element in `xml`.
fn first<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
        + open.len();
    let end = start + xml[start..].find('<').unwrap();
    &xml[start..end]
}

#[tokio::test]
async fn get_wsdl_in_any_case_needs_no_credentials_and_points_at_the_url_used() {
    let mock = Mock::start().await;
    for (path, query) in [
        (PATH_2010, "wsdl"),
        (PATH_2007, "WSDL"),
        ("/ews/um2007legacy.asmx", "Wsdl"),
    ] {
        let reply = mock
            .send(mock.client.get(format!("{}?{query}", mock.url(path))))
            .await;

        assert_eq!(reply.status, 200, "{path}?{query}");
        assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
        let location = format!(r#"<soap:address location="{}"/>"#, mock.url(path));
        assert!(reply.text().contains(&location), "{path}: {}", reply.text());
        assert!(reply
            .text()
            .contains(&format!(r#"soapAction="{HTTP_NS}/ResetPIN""#)));
        let entry = mock.journal_entry(reply.request_id()).await;
        assert_eq!(entry["path"], format!("{path}?{query}"));
        assert_eq!(entry["status"], 200);
    }
}

#[tokio::test]
async fn autodiscover_gives_a_um_url_that_answers_for_the_caller() {
    let mock = Mock::start().await;

    let reply = mock
        .post_as(
            "CONTOSO\\alice",
            "/Autodiscover/Autodiscover.xml",
            AUTODISCOVER_REQUEST,
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
    assert_eq!(first(reply.text(), "DisplayName"), "Alice Wood");
    assert_eq!(
        first(reply.text(), "AutoDiscoverSMTPAddress"),
        "alice@contoso.com"
    );
    let um_url = first(reply.text(), "UMUrl").to_string();
    assert_eq!(um_url, mock.url(PATH_2007));
    let request = mock
        .client
        .post(um_url)
        .header("Authorization", basic("alice", "x"))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .body(envelope(HTTP_NS, "IsUMEnabled"));
    let answer = mock.send(request).await;
    assert_eq!(answer.status, 200);
    assert!(answer
        .text()
        .contains("<IsUMEnabledResponse>true</IsUMEnabledResponse>"));
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["mailbox"], "alice@contoso.com");
}

#[tokio::test]
async fn autodiscover_without_credentials_is_401_and_a_bad_body_is_error_600() {
    let mock = Mock::start().await;

    let anonymous = mock
        .send(
            mock.client
                .post(mock.url("/autodiscover/autodiscover.xml"))
                .body(AUTODISCOVER_REQUEST),
        )
        .await;
    let bad = mock
        .post_as("alice", "/autodiscover/autodiscover.xml", "<Autodiscover/>")
        .await;

    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.headers_named("WWW-Authenticate"), CHALLENGES);
    assert_eq!(bad.status, 200);
    assert_eq!(first(bad.text(), "ErrorCode"), "600");
    assert_eq!(first(bad.text(), "Message"), "Invalid Request");
    assert!(bad.header("X-Exum-Reason").contains("Autodiscover request"));
    assert_eq!(mock.journal("").await["total"], 2);
}
