//! HTTPS listeners: the binary's `https://` listeners next to plain ones on one
//! state, the library's `.https()`, a user's certificate, a kept CA, and bad TLS clients.

use std::process::{Command, Stdio};
use std::time::Duration;

use exchange_um_mock::UmMockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cli::{command, Serving};
use crate::support::*;

/// `curl -sS` with `args`, trusting only `ca` (the machine's `CURL_CA_BUNDLE` is set to
/// the same file, so curl sees no other trust store); the status and body.
fn curl(ca: &std::path::Path, args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .env("CURL_CA_BUNDLE", ca)
        .arg("-sS")
        .arg("--cacert")
        .arg(ca)
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    let status = status
        .parse()
        .unwrap_or_else(|_| panic!("curl failed: {}", String::from_utf8_lossy(&output.stderr)));
    (status, body.to_owned())
}

fn curl_reset_pin(ca: &std::path::Path, base: &str, user: &str) -> (u16, String) {
    let envelope = reset_pin_envelope();
    curl(
        ca,
        &[
            "-u",
            &format!("{user}:any password"),
            "-H",
            &format!("Content-Type: {SOAP_CONTENT_TYPE}"),
            "--data-binary",
            &envelope,
            &format!("{base}{PATH_2010}"),
        ],
    )
}

/// A reqwest client that trusts `server`'s generated CA.
fn trusting(server: &UmMockServer) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().unwrap().as_bytes()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_binary_serves_http_and_https_in_the_order_given_on_one_shared_state() {
    let dir = TempDir::new("https-both");
    let ca = dir.0.join("ca.pem");
    let mut command = command();
    command
        .args(["--listen", "127.0.0.1:0", "--listen", "https://127.0.0.1:0"])
        .arg("--tls-ca-out")
        .arg(&ca);
    let mut serving = Serving::start(command);
    let http = serving.url.clone();
    let https = serving.next_url();
    assert!(http.starts_with("http://127.0.0.1:"), "{http}");
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");

    let (status, body) = curl_reset_pin(&ca, &https, "alice");

    assert_eq!(status, 200, "{body}");
    assert_eq!(body, empty_response_xml(HTTP_NS, "ResetPIN"));
    let client = reqwest::Client::new();
    let email: serde_json::Value = client
        .get(format!("{http}/__admin/emails/latest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(email["to"], "alice@contoso.com");
    let journal: serde_json::Value = client
        .get(format!("{http}/__admin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = journal["requests"].as_array().unwrap().last().unwrap();
    assert_eq!(last["listener"], "https");
    assert_eq!(last["status"], 200);
    let served_ca = client
        .get(format!("{http}/__admin/ca.pem"))
        .send()
        .await
        .unwrap();
    assert_eq!(served_ca.status(), 200);
    assert_eq!(
        served_ca.headers()["content-type"],
        "application/x-pem-file"
    );
    assert_eq!(
        served_ca.text().await.unwrap(),
        std::fs::read_to_string(&ca).unwrap()
    );

    serving.sigterm();
    let (exit, rest_of_stdout, _) = serving.exit();
    assert_eq!(exit.code(), Some(0));
    assert_eq!(
        rest_of_stdout, "",
        "stdout holds exactly the two ready lines"
    );
}

#[tokio::test]
async fn the_library_serves_https_trusted_through_ca_pem_and_the_wsdl_names_https() {
    let server = UmMockServer::builder().https().start().await.unwrap();
    let client = trusting(&server);
    let https = server.https_uri().unwrap();

    let reset = reset_pin_request(&client, &https, "alice")
        .send()
        .await
        .unwrap();
    let wsdl = client
        .get(format!("{}?wsdl", server.https_service_url().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let plain_wsdl = client
        .get(format!("{}?wsdl", server.service_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(reset.status(), 200);
    assert_eq!(server.emails().len(), 1);
    assert!(
        wsdl.contains(&format!(r#"location="{https}{PATH_2010}""#)),
        "{wsdl}"
    );
    assert!(
        plain_wsdl.contains(&format!(r#"location="{}""#, server.service_url())),
        "{plain_wsdl}"
    );
    let listeners: Vec<String> = server.requests().into_iter().map(|r| r.listener).collect();
    assert_eq!(listeners, ["https", "https", "http"]);
}

#[tokio::test]
async fn autodiscover_over_https_points_at_https_urls() {
    let server = UmMockServer::builder().https().start().await.unwrap();
    let https = server.https_uri().unwrap();
    let request = r#"<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@contoso.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"#;

    let body = trusting(&server)
        .post(format!("{https}/autodiscover/autodiscover.xml"))
        .header("Authorization", basic("alice", "x"))
        .body(request)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(
        body.contains(&format!("<UMUrl>{https}{PATH_2007}</UMUrl>")),
        "{body}"
    );
    assert!(
        body.contains(&format!("<EwsUrl>{https}/EWS/Exchange.asmx</EwsUrl>")),
        "{body}"
    );
}

#[tokio::test]
async fn a_user_certificate_is_served_and_then_there_is_no_ca_pem() {
    let dir = TempDir::new("https-user-cert");
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = dir.0.join("server.pem");
    let key = dir.0.join("server.key");
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let mut command = command();
    command
        .args(["--listen", "https://127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key);
    let serving = Serving::start(command);

    let (health, _) = curl(&cert, &[&format!("{}/__admin/health", serving.url)]);
    let (ca, body) = curl(&cert, &[&format!("{}/__admin/ca.pem", serving.url)]);

    assert_eq!(health, 200);
    assert_eq!(ca, 404, "{body}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"].is_string(),
        "{body}"
    );
}

#[test]
fn a_tls_cert_without_its_key_is_refused_with_a_clear_error() {
    let output = command()
        .args(["--listen", "https://127.0.0.1:0", "--tls-cert", "x.pem"])
        .stdin(Stdio::null())
        .output()
        .unwrap();

    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-key"));
}

#[test]
fn an_unreadable_tls_key_is_a_one_paragraph_error_naming_the_file() {
    let output = command()
        .args(["--listen", "https://127.0.0.1:0"])
        .args([
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("/nonexistent/c.pem"), "{stderr}");
}

#[test]
fn a_kept_ca_is_the_same_on_the_next_start() {
    let dir = TempDir::new("https-state");
    let state = dir.0.join("state");
    let start = |out: &str| {
        let ca = dir.0.join(out);
        let mut command = command();
        command
            .args(["--listen", "https://127.0.0.1:0", "--tls-state"])
            .arg(&state)
            .arg("--tls-ca-out")
            .arg(&ca);
        let serving = Serving::start(command);
        serving.sigterm();
        assert_eq!(serving.exit().0.code(), Some(0));
        std::fs::read_to_string(ca).unwrap()
    };

    let first = start("first.pem");
    let second = start("second.pem");

    assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
    assert_eq!(first, second);
}

/// Sends `bytes` to `address`, then hangs up or reads until the server does.
async fn scribble(address: &str, bytes: &[u8], wait_for_close: bool) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    if wait_for_close {
        let mut sink = Vec::new();
        // A hang guard: the server drops the connection after the failed handshake.
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut sink));
        let _ = read
            .await
            .expect("the server did not drop a garbage connection");
    }
}

#[tokio::test]
async fn garbage_and_a_half_handshake_leave_the_tls_listener_serving() {
    let server = UmMockServer::builder().https().start().await.unwrap();
    let https = server.https_uri().unwrap();
    let address = https.strip_prefix("https://").unwrap().to_owned();
    // A TLS record header announcing a ClientHello of 512 bytes, then only its first few.
    let partial_client_hello = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];

    scribble(&address, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true).await;
    scribble(&address, &[0u8, 0xff, 0x13, 0x37, 0, 0, 0, 0], true).await;
    scribble(&address, &partial_client_hello, false).await;
    let health = trusting(&server)
        .get(format!("{https}/__admin/health"))
        .send()
        .await
        .unwrap();

    assert_eq!(health.status(), 200);
    assert!(
        server.requests().is_empty(),
        "no request reached the service"
    );
}
