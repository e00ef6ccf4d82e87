//! Connection-level limits as an attacker meets them: a body that stops coming, more
//! connections than the process has descriptors, an event-stream reader that stops reading;
//! and the scripted network faults over TLS, now carried out without a duplicated socket.

use std::io::{BufReader, ErrorKind};
use std::process::Stdio;
use std::time::Duration;

use exchange_um_mock::UmMockServer;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cli::command;
use crate::limits::KillOnDrop;
use crate::support::*;

/// A server whose body limits are short: no byte for 300 ms, or not whole in `whole`.
async fn impatient(whole: Duration) -> Mock {
    Mock::with(UmMockServer::builder().body_timeouts(Duration::from_millis(300), whole)).await
}

/// The head of a ResetPIN POST announcing a body of `length` bytes, and `extra` header lines.
fn post_head(mock: &Mock, length: usize, extra: &str) -> String {
    format!(
        "POST {PATH_2010} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: {SOAP_CONTENT_TYPE}\r\nContent-Length: {length}\r\n{extra}\r\n",
        mock.address(),
        basic("alice", "pw"),
    )
}

/// Reads until the server closes the connection; a hang guard fails the test after 30 s.
async fn answer_then_close(stream: &mut TcpStream) -> String {
    let read = tokio::time::timeout(Duration::from_secs(30), read_until_closed(stream));
    let (received, _) = read.await.expect("the server answers and closes");
    String::from_utf8_lossy(&received).into_owned()
}

/// The one journal entry of a ResetPIN POST; it must be the 408.
async fn assert_journaled_408(mock: &Mock, reason_has: &str) {
    let journal = mock.journal("").await;
    assert_eq!(journal["total"], 1, "{journal:#}");
    let entry = &journal["requests"][0];
    assert_eq!(entry["status"], 408);
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.contains(reason_has), "{reason}");
    assert_eq!(mock.emails("").await["total"], 0, "nothing was performed");
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_the_connection_is_closed() {
    let mock = impatient(Duration::from_secs(60)).await;
    let mut stream = TcpStream::connect(mock.address()).await.unwrap();

    stream
        .write_all(post_head(&mock, 500, "").as_bytes())
        .await
        .unwrap();
    stream.write_all(b"<s:Envelope").await.unwrap();
    let received = answer_then_close(&mut stream).await;

    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("connection: close"), "{received}");
    assert_journaled_408(&mock, "no body byte came").await;
    mock.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn an_expect_100_continue_with_no_body_gets_100_continue_then_408() {
    let mock = impatient(Duration::from_secs(60)).await;
    let mut stream = TcpStream::connect(mock.address()).await.unwrap();

    stream
        .write_all(post_head(&mock, 500, "Expect: 100-continue\r\n").as_bytes())
        .await
        .unwrap();
    let received = answer_then_close(&mut stream).await;

    assert!(
        received.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408"),
        "{received}"
    );
    assert_journaled_408(&mock, "no body byte came").await;
}

#[tokio::test]
async fn a_body_that_trickles_in_past_the_whole_body_limit_gets_408() {
    // A byte every 20 ms never trips the 300 ms gap; 1,000 bytes would take 20 s.
    let mock = impatient(Duration::from_secs(1)).await;
    let stream = TcpStream::connect(mock.address()).await.unwrap();
    let (mut reading, mut writing) = stream.into_split();
    writing
        .write_all(post_head(&mock, 1000, "").as_bytes())
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if writing.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });

    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), reading.read_to_end(&mut received));
    let _ = read.await.expect("the server answers and closes");
    trickle.abort();

    let received = String::from_utf8_lossy(&received);
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert_journaled_408(&mock, "had not arrived").await;
}

/// The binary, started with `prefix` before it (e.g. `prlimit`), and its `host:port`.
fn spawn_binary(prefix: &[&str]) -> (KillOnDrop, u32, String) {
    let mut command = if let Some((program, args)) = prefix.split_first() {
        let mut command = std::process::Command::new(program);
        command
            .args(args)
            .arg(env!("CARGO_BIN_EXE_exchange-um-mock"));
        command.env_remove("RUST_LOG");
        command
    } else {
        command()
    };
    command
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("the binary starts");
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let address = http_address(&read_ready_url(&mut BufReader::new(stdout)));
    (KillOnDrop(child), pid, address)
}

/// A keep-alive connection that has been answered once (so the server surely holds it).
async fn answered_connection(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    assert_eq!(health_on(&mut stream).await, Some(200));
    stream
}

/// `GET /__admin/health` on an open connection: the status, or `None` if it was closed.
async fn health_on(stream: &mut TcpStream) -> Option<u16> {
    let sent = stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let mut buffer = [0u8; 1024];
    // A hang guard only: an answer comes at once, or the test fails here.
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer));
    let n = match (sent, read.await.expect("an answer or a close")) {
        (Ok(()), Ok(n)) if n > 0 => n,
        _ => return None,
    };
    let head = std::str::from_utf8(&buffer[..n]).unwrap();
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn each_open_connection_holds_one_descriptor_in_the_server() {
    let (_child, pid, address) = spawn_binary(&[]);
    let before = open_descriptors(pid);

    let mut open = Vec::new();
    for _ in 0..200 {
        open.push(answered_connection(&address).await);
    }
    let grown = open_descriptors(pid) - before;

    assert!(
        (200..220).contains(&grown),
        "200 connections took {grown} descriptors"
    );
}

#[tokio::test]
async fn past_the_descriptor_limit_new_clients_are_served_and_the_longest_silent_are_closed() {
    // Arrange: 256 descriptors, and more keep-alive clients than that, one after another.
    let (_child, _, address) = spawn_binary(&["prlimit", "--nofile=256:256", "--"]);
    let mut open = Vec::new();

    // Act: each one is answered before the next connects.
    for _ in 0..300 {
        open.push(answered_connection(&address).await);
    }

    // Assert: the oldest were closed to make room (the server cannot hold 300); the newest
    // is still served.
    for (i, stream) in open.iter_mut().take(300 - 256).enumerate() {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut byte)).await;
        assert!(
            matches!(read, Ok(Ok(0) | Err(_))),
            "connection {i} is still open: {read:?}"
        );
    }
    assert_eq!(health_on(open.last_mut().unwrap()).await, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_reader_that_stops_reading_is_reset_and_one_that_reads_is_kept() {
    // Arrange: a reader with a small receive buffer that reads the stream's first line and
    // then nothing more, and one that reads everything.
    let stall = Duration::from_secs(5);
    let mock = Mock::with(UmMockServer::builder().reader_stall_timeout(stall)).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(mock.address()).await.unwrap();
    let request = format!(
        "GET /__admin/events?types=request HTTP/1.1\r\nHost: {}\r\n\r\n",
        mock.address()
    );
    stalled.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !String::from_utf8_lossy(&head).contains(": connected") {
        let mut buffer = [0u8; 512];
        let n = stalled.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the stream ended at once");
        head.extend_from_slice(&buffer[..n]);
    }
    let mut reading = mock
        .client
        .get(mock.url("/__admin/events?types=request"))
        .send()
        .await
        .unwrap();
    assert_eq!(reading.status(), 200);
    let reader = tokio::spawn(async move {
        // Lines are looked at as they come and only an unfinished one kept: this reader must
        // keep up.
        let (mut frames, mut line) = (0, Vec::new());
        loop {
            let chunk = reading.chunk().await.unwrap().expect("the stream went on");
            for &byte in chunk.iter() {
                if byte != b'\n' {
                    line.push(byte);
                    continue;
                }
                frames += usize::from(line == b"event: request");
                if line.starts_with(b"data: ") && line.windows(8).any(|w| w == b"/the-end") {
                    return frames;
                }
                line.clear();
            }
        }
    });

    // Act: events of 32 KiB each (a journaled 404 with a large header) until the server
    // gives up on the reader that does not read.
    let pad = "x".repeat(32 * 1024);
    let mut made = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let gone = loop {
        for _ in 0..16 {
            let reply = mock
                .send(mock.client.get(mock.url("/padding")).header("X-Pad", &pad))
                .await;
            assert_eq!(reply.status, 404);
            made += 1;
        }
        if let Some(error) = stalled.take_error().unwrap() {
            break error;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still connected after {made} events"
        );
    };
    let end = mock.send(mock.client.get(mock.url("/the-end"))).await;

    // Assert: reset (its unread bytes let go of); the reading stream got every event.
    assert_eq!(gone.kind(), ErrorKind::ConnectionReset);
    assert_eq!(end.status, 404);
    assert_eq!(reader.await.unwrap(), made + 1);
}

/// A TLS client that trusts only `server`'s CA.
fn tls_connector(server: &UmMockServer) -> tokio_rustls::TlsConnector {
    use rustls_pki_types::pem::PemObject;
    let ca = server.ca_pem().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

/// A ResetPIN as alice over TLS, read until the server ends the connection: the plaintext
/// read and how the reading ended.
async fn tls_reset_pin(server: &UmMockServer) -> (Vec<u8>, std::io::Result<usize>) {
    let https = server.https_uri().unwrap();
    let address = https.strip_prefix("https://").unwrap();
    let tcp = TcpStream::connect(address).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = tls_connector(server).connect(name, tcp).await.unwrap();
    let request = raw_reset_pin(server.address(), "alice");
    tls.write_all(&request).await.unwrap();
    let mut received = Vec::new();
    let ended = tls.read_to_end(&mut received).await;
    (received, ended)
}

#[tokio::test]
async fn network_faults_are_carried_out_over_tls_too() {
    let server = UmMockServer::builder().https().start().await.unwrap();
    let mut seen = Vec::new();

    for fault in ["reset", "close", "garbage"] {
        let scenario = json!({
            "mailbox": "alice@contoso.com",
            "operation": "ResetPIN",
            "outcomes": [{"network": fault}],
        });
        let added = reqwest::Client::new()
            .post(format!("{}/__admin/scenarios", server.uri()))
            .json(&scenario)
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201);
        let (received, ended) = tls_reset_pin(&server).await;
        assert!(received.is_empty(), "{fault}: {received:?}");
        seen.push((fault, ended.unwrap_err().kind()));
    }

    assert_eq!(
        seen,
        [
            ("reset", ErrorKind::ConnectionReset),
            // No close_notify: the TCP connection just ended.
            ("close", ErrorKind::UnexpectedEof),
            // Not a TLS record.
            ("garbage", ErrorKind::InvalidData),
        ]
    );
    assert_eq!(server.requests().len(), 3);
    assert!(server.emails().is_empty());
}
