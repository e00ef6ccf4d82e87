//! Bad input: whatever a client sends, the answer is Exchange's fault (or an HTTP error) that
//! says why, nothing changes, and the server keeps serving.

use exchange_um_mock::UmMockServer;
use serde_json::json;

use crate::support::*;

fn wrap_body(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

/// An envelope whose `soap:Header` nests elements so that the deepest is at `depth` (the
/// Envelope is depth 1).
fn nested_envelope(depth: usize) -> String {
    let inner = depth - 2;
    format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11}"><soap:Header>{}{}</soap:Header><soap:Body><ResetPIN xmlns="{HTTP_NS}"/></soap:Body></soap:Envelope>"#,
        "<x>".repeat(inner),
        "</x>".repeat(inner)
    )
}

async fn assert_invalid_request(mock: &Mock, body: Vec<u8>, reason_has: &str) {
    let before = mock.mailbox("alice@contoso.com").await;

    let reply = mock.post_as("alice", PATH_2010, body).await;

    assert_eq!(reply.status, 500, "expected a fault for {reason_has}");
    assert_eq!(reply.header("Content-Type"), SOAP_CONTENT_TYPE);
    assert_eq!(reply.text(), invalid_request_xml());
    let reason = reply.header("X-Exum-Reason");
    assert!(
        reason.contains(reason_has),
        "{reason:?} lacks {reason_has:?}"
    );
    assert_eq!(
        mock.journal_entry(reply.request_id()).await["reason"],
        reason
    );
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
}

#[tokio::test]
async fn unreadable_envelopes_get_the_exact_invalid_request_fault() {
    let mock = Mock::start().await;
    let full = reset_pin_envelope();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"this is not xml".to_vec(), "text outside the root"),
        (
            full.as_bytes()[..full.len() - "</soap:Envelope>".len()].to_vec(),
            "the envelope is truncated",
        ),
        (
            full.as_bytes()[..full.len() - 20].to_vec(),
            "not well-formed XML",
        ),
        (b"<soap:Envelope".to_vec(), "not well-formed"),
        (Vec::new(), "empty body"),
        (b"  \r\n ".to_vec(), "empty body"),
        (
            [&full.as_bytes()[..60], b"\xff\xfe", &full.as_bytes()[60..]].concat(),
            "not valid UTF-8",
        ),
        (
            full.replace("utf-8", "iso-8859-1").into_bytes(),
            "declared encoding 'iso-8859-1' is not supported",
        ),
        (
            full.replace("utf-8", "UTF-16").into_bytes(),
            "declared encoding 'utf-16' is not supported",
        ),
        (wrap_body("").into_bytes(), "the Body is empty"),
        (
            br#"<Envelope xmlns="urn:x"><Body/></Envelope>"#.to_vec(),
            "not a SOAP 1.1 Envelope",
        ),
        (
            wrap_body(&format!(
                r#"<ResetPIN xmlns="{HTTP_NS}"><x>&xxe;</x></ResetPIN>"#
            ))
            .into_bytes(),
            "undefined entity '&xxe;'",
        ),
    ];
    for (body, reason) in cases {
        assert_invalid_request(&mock, body, reason).await;
    }
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_dtd_is_refused_and_its_entities_are_never_expanded() {
    let mock = Mock::start().await;
    let billion_laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><ResetPIN xmlns="{HTTP_NS}">&lol3;</ResetPIN></soap:Body></soap:Envelope>"#
    );
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><ResetPIN xmlns="{HTTP_NS}">&xxe;</ResetPIN></soap:Body></soap:Envelope>"#
    );

    for body in [billion_laughs, xxe] {
        assert_invalid_request(&mock, body.into_bytes(), "DTDs and entity declarations").await;
    }
}

#[tokio::test]
async fn nesting_is_accepted_to_depth_64_and_refused_beyond() {
    let mock = Mock::start().await;

    let at_limit = mock.post_as("alice", PATH_2010, nested_envelope(64)).await;
    assert_eq!(at_limit.status, 200, "{}", at_limit.text());

    assert_invalid_request(&mock, nested_envelope(65).into_bytes(), "deeper than 64").await;
    assert_invalid_request(
        &mock,
        nested_envelope(10_000).into_bytes(),
        "deeper than 64",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_operation_or_a_wrong_namespace_is_named_in_the_reason() {
    let mock = Mock::start().await;

    assert_invalid_request(
        &mock,
        envelope(HTTP_NS, "ResetPin").into_bytes(),
        "unknown operation 'ResetPin'",
    )
    .await;
    assert_invalid_request(
        &mock,
        envelope("urn:not-exchange", "ResetPIN").into_bytes(),
        "'ResetPIN' is in namespace 'urn:not-exchange'",
    )
    .await;
    assert_invalid_request(
        &mock,
        envelope(
            "http://schemas.microsoft.com/exchange/services/2006/types",
            "ResetPIN",
        )
        .into_bytes(),
        "namespace 'http://schemas.microsoft.com/exchange/services/2006/types'",
    )
    .await;
    assert_invalid_request(
        &mock,
        wrap_body(&format!(
            r#"<ResetPIN xmlns="{HTTP_NS}"><pin>1</pin></ResetPIN>"#
        ))
        .into_bytes(),
        "ResetPIN has no parameter 'pin'",
    )
    .await;

    let journal = mock.journal("operation=ResetPin").await;
    assert_eq!(journal["total"], 1);
}

#[tokio::test]
async fn a_huge_operation_name_still_gets_a_fault_whose_headers_a_client_can_read() {
    let mock = Mock::start().await;
    // Longer than Node's whole header limit (16 KiB); curl refuses one header over 100 KiB.
    let name = "R".repeat(20_000);

    let reply = mock
        .post_as("alice", PATH_2010, envelope(HTTP_NS, &name))
        .await;

    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), invalid_request_xml());
    let reason = reply.header("X-Exum-Reason");
    assert!(reason.starts_with("unknown operation 'RRR"), "{reason:.80}");
    assert!(
        reason.len() <= 1024,
        "X-Exum-Reason is {} bytes",
        reason.len()
    );
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(
        entry["reason"],
        format!("unknown operation '{name}'"),
        "the journal keeps the whole reason"
    );
}

#[tokio::test]
async fn a_character_xml_does_not_allow_is_refused_and_never_stored() {
    let mock = Mock::start().await;
    let set = |dial_string: &str| {
        wrap_body(&format!(
            r#"<SetPlayOnPhoneDialString xmlns="{HTTP_NS}"><dialString>{dial_string}</dialString></SetPlayOnPhoneDialString>"#
        ))
        .into_bytes()
    };

    assert_invalid_request(&mock, set("4255\u{2}550142"), "U+0002").await;
    assert_invalid_request(&mock, set("4255&#x1;550142"), "U+0001").await;
    assert_invalid_request(&mock, set("4255&#xFFFE;550142"), "U+FFFE").await;

    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(
        alice["properties"]["play_on_phone_dial_string"],
        json!(null)
    );
}

#[tokio::test]
async fn a_soap_12_envelope_gets_a_soap_11_version_mismatch_fault() {
    let mock = Mock::start().await;
    let soap12 = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><ResetPIN xmlns="{HTTP_NS}"/></e:Body></e:Envelope>"#
    );
    for content_type in ["application/soap+xml; charset=utf-8", SOAP_CONTENT_TYPE] {
        let request = mock
            .client
            .post(mock.url(PATH_2010))
            .header("Authorization", basic("alice", "x"))
            .header("Content-Type", content_type)
            .body(soap12.clone());

        let reply = mock.send(request).await;

        assert_eq!(reply.status, 500);
        assert_eq!(
            reply.text(),
            format!(
                r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body><s:Fault><faultcode xmlns:soap="{SOAP11}">soap:VersionMismatch</faultcode><faultstring xml:lang="en-US">The envelope namespace is not SOAP 1.1 ({SOAP11}).</faultstring></s:Fault></s:Body></s:Envelope>"#
            )
        );
        assert!(reply.header("X-Exum-Reason").contains("SOAP 1.2"));
    }
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn other_methods_on_the_endpoint_get_405_with_allow() {
    let mock = Mock::start().await;
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        for path in [PATH_2007, PATH_2010] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let request = mock
                .client
                .request(method.clone(), mock.url(path))
                .header("Authorization", basic("alice", "x"));

            let reply = mock.send(request).await;

            assert_eq!(reply.status, 405, "{method} {path}");
            assert_eq!(reply.header("Allow"), "GET, POST");
            let entry = mock.journal_entry(reply.request_id()).await;
            assert_eq!(
                (&entry["method"], &entry["status"]),
                (&method.as_str().into(), &405.into())
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_path_gets_404_and_is_journaled() {
    let mock = Mock::start().await;

    let reply = mock
        .post_as("alice", "/EWS/Exchange.asmx", reset_pin_envelope())
        .await;

    assert_eq!(reply.status, 404);
    let reason = reply.header("X-Exum-Reason");
    assert!(reason.contains("/EWS/Exchange.asmx"), "{reason}");
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["path"], "/EWS/Exchange.asmx");
    assert_eq!(entry["status"], 404);
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_is_journaled_and_the_server_answers_the_next_request() {
    let mock = Mock::with(UmMockServer::builder().max_body_bytes(1024)).await;
    let padding = "<!--".to_string() + &"x".repeat(2000) + "-->";
    let big = reset_pin_envelope() + &padding;

    let reply = mock.post_as("alice", PATH_2010, big.clone()).await;

    assert_eq!(reply.status, 413);
    let entry = mock.journal_entry(reply.request_id()).await;
    assert_eq!(entry["status"], 413);
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains("--max-body-bytes (1024 bytes)"),
        "{entry}"
    );

    // Without a Content-Length the limit is found while reading the chunks.
    let mut chunked = format!(
        "POST {PATH_2010} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        mock.address(),
        basic("alice", "x")
    );
    for chunk in big.as_bytes().chunks(256) {
        chunked.push_str(&format!(
            "{:x}\r\n{}\r\n",
            chunk.len(),
            std::str::from_utf8(chunk).unwrap()
        ));
    }
    chunked.push_str("0\r\n\r\n");
    let (answer, _) = raw_exchange(mock.address(), chunked.as_bytes()).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");

    mock.reset_pin_ok("alice").await;
    assert_eq!(mock.emails("").await["total"], 1);
    assert_eq!(mock.journal("").await["total"], 3);
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_read() {
    let envelope = reset_pin_envelope();
    let mock = Mock::with(UmMockServer::builder().max_body_bytes(envelope.len())).await;

    mock.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn a_client_still_reads_the_413_for_a_body_of_megabytes() {
    let mock = Mock::start().await; // the default limit: 1 MiB
    let huge = reset_pin_envelope() + "<!--" + &"x".repeat(16 * 1024 * 1024) + "-->";

    let reply = mock.post_as("alice", PATH_2010, huge).await;

    assert_eq!(reply.status, 413);
    mock.reset_pin_ok("alice").await;
    assert_eq!(mock.journal("").await["total"], 2);
}

#[tokio::test]
async fn a_body_cut_short_by_the_client_is_not_mistaken_for_a_large_one() {
    let mock = Mock::start().await;
    let before = mock.mailbox("alice@contoso.com").await;
    let body = reset_pin_envelope();
    let request = format!(
        "POST {PATH_2010} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Length: {}\r\n\r\n{body}",
        mock.address(),
        basic("alice", "x"),
        body.len() + 100,
    );
    let mut stream = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .unwrap();
    // The client gives up mid-body: no more bytes will come.
    tokio::io::AsyncWriteExt::shutdown(&mut stream)
        .await
        .unwrap();

    let (answer, _) = read_until_closed(&mut stream).await;

    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    let entry = &mock.journal("").await["requests"][0];
    assert_eq!(entry["status"], 400);
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.contains("Content-Length"), "{reason}");
    assert!(!reason.contains("max-body-bytes"), "{reason}");
    assert_eq!(mock.mailbox("alice@contoso.com").await, before);
    assert_eq!(mock.emails("").await["total"], 0);
}

#[tokio::test]
async fn a_client_expecting_100_continue_gets_the_413_before_sending_its_body() {
    let mock = Mock::start().await;
    let headers = format!(
        "POST {PATH_2010} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n",
        mock.address(),
        basic("alice", "x"),
    );
    let mut stream = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, headers.as_bytes())
        .await
        .unwrap();

    // No body is sent: the answer must come anyway.
    let (answer, _) = read_until_closed(&mut stream).await;

    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
}

#[tokio::test]
async fn a_dial_string_over_256_characters_is_refused_and_never_stored_or_dialled() {
    let mock = Mock::start().await;
    let long = "1".repeat(257);
    let set = wrap_body(&format!(
        r#"<SetPlayOnPhoneDialString xmlns="{HTTP_NS}"><dialString>{long}</dialString></SetPlayOnPhoneDialString>"#
    ));
    let dial = wrap_body(&format!(
        r#"<PlayOnPhone xmlns="{HTTP_NS}"><entryId>AAAAABHK6Y9Wr7dKhXu9gAAAAAAHAHq1bFLkRsJIqpKQcqzbXlMAAAAAAR8AAA==</entryId><DialString>{long}</DialString></PlayOnPhone>"#
    ));

    assert_invalid_request(&mock, set.into_bytes(), "257 characters").await;
    assert_invalid_request(&mock, dial.into_bytes(), "257 characters").await;

    assert_eq!(mock.get_json("/__admin/calls").await["calls"], json!([]));
    let at_the_limit = wrap_body(&format!(
        r#"<SetPlayOnPhoneDialString xmlns="{HTTP_NS}"><dialString>{}</dialString></SetPlayOnPhoneDialString>"#,
        "1".repeat(256)
    ));
    assert_eq!(
        mock.post_as("alice", PATH_2010, at_the_limit).await.status,
        200
    );
}

#[tokio::test]
async fn an_entry_id_over_1024_characters_is_an_invalid_object_id_not_a_stored_call() {
    let mock = Mock::start().await;
    let long = "A".repeat(1028);
    let dial = wrap_body(&format!(
        r#"<PlayOnPhone xmlns="{HTTP_NS}"><entryId>{long}</entryId><DialString>4255550142</DialString></PlayOnPhone>"#
    ));

    let reply = mock.post_as("alice", PATH_2010, dial).await;

    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("InvalidObjectIdException"));
    assert!(reply.header("X-Exum-Reason").contains("1028 characters"));
    assert_eq!(mock.get_json("/__admin/calls").await["calls"], json!([]));
}

#[tokio::test]
async fn a_folder_id_over_1024_characters_is_an_invalid_object_id_and_never_stored() {
    let mock = Mock::start().await;
    let long = "A".repeat(1028);
    let set = wrap_body(&format!(
        r#"<SetTelephoneAccessFolderEmail xmlns="{HTTP_NS}"><base64FolderId>{long}</base64FolderId></SetTelephoneAccessFolderEmail>"#
    ));

    let reply = mock.post_as("alice", PATH_2010, set).await;

    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("InvalidObjectIdException"));
    assert!(reply.header("X-Exum-Reason").contains("1028 characters"));
    let alice = mock.mailbox("alice@contoso.com").await;
    assert_eq!(
        alice["properties"]["telephone_access_folder_email"],
        json!(null)
    );
}
