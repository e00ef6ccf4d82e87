//! The limits as a harness meets them: the double never stalls, whatever its stderr.

use std::io::BufReader;
use std::process::Stdio;
use std::time::Duration;

use crate::cli::command;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_requests_are_answered_with_stderr_piped_and_never_read() {
    // Debug logging writes a line per request: 5,000 lines fill a 64 KiB pipe many times over.
    let mut child = command()
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "exchange_um_mock=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Held, never read, as `subprocess.Popen(..., stderr=PIPE)` harnesses do.
    let _unread_stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = KillOnDrop(child);
    let base = read_ready_url(&mut BufReader::new(stdout));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let mut answered = 0;
    for _ in 0..5_000 {
        let response = client
            .post(format!("{base}/EWS/UM2007Legacy.asmx"))
            .header("Authorization", basic("alice", "pw"))
            .body(envelope(HTTP_NS, "IsUMEnabled"))
            .send()
            .await
            .expect("the double keeps answering");
        assert_eq!(response.status(), 200);
        answered += 1;
    }

    assert_eq!(answered, 5_000);
}

/// The memory promise: with 900 KB bodies sent without pause, the process's peak resident
/// memory (`VmHWM`, allocator slack included) stays under `--max-journal-bytes` + 48 MiB.
/// 300 bodies are four times the default cap's worth, so the journal is full and turning over.
#[cfg(target_os = "linux")]
async fn peak_resident_mib_with_900_kb_bodies(flags: &[&str]) -> f64 {
    let (_child, pid, base) = start_binary(flags);
    let body = padded_reset_pin(900_000);
    // Two connections sending at once, as a test suite running in parallel would.
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..2 {
        clients.spawn(post_bodies(format!("{base}{PATH_2010}"), body.clone(), 150));
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }
    let journal: serde_json::Value = reqwest::get(format!("{base}/__admin/requests?limit=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        journal["evicted"].as_u64().unwrap() > 0,
        "the journal reached its cap: {journal}"
    );
    vm_hwm_mib(pid)
}

/// The binary on port 0 with `flags`: the process (killed when dropped), its pid and its URL.
pub(crate) fn start_binary(flags: &[&str]) -> (KillOnDrop, u32, String) {
    let mut child = command()
        .args(["--listen", "127.0.0.1:0"])
        .args(flags)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let pid = child.id();
    let base = read_ready_url(&mut BufReader::new(stdout));
    (KillOnDrop(child), pid, base)
}

/// A ResetPIN envelope padded to `bytes` in a SOAP header: a large body the double answers.
pub(crate) fn padded_reset_pin(bytes: usize) -> bytes::Bytes {
    let pad = "x".repeat(bytes);
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><Pad>{pad}</Pad></s:Header><s:Body><ResetPIN xmlns="{HTTP_NS}"/></s:Body></s:Envelope>"#
    )
    .into()
}

/// POSTs `body` to `url` as alice `count` times, one after another on one client, each
/// answered 200: one client of a memory test.
pub(crate) async fn post_bodies(url: String, body: bytes::Bytes, count: usize) {
    let client = reqwest::Client::new();
    for _ in 0..count {
        let response = client
            .post(&url)
            .header("Authorization", basic("alice", "pw"))
            .body(body.clone())
            .send()
            .await
            .expect("the double keeps answering");
        assert_eq!(response.status(), 200);
    }
}

/// `VmHWM` (peak resident set) of process `pid`, in MiB.
#[cfg(target_os = "linux")]
pub(crate) fn vm_hwm_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("/proc/PID/status has a VmHWM line in kB");
    kib / 1024.0
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_default_flags_900_kb_bodies_keep_memory_under_the_journal_cap_plus_48_mib() {
    let peak = peak_resident_mib_with_900_kb_bodies(&[]).await;
    assert!(peak < 64.0 + 48.0, "peak resident memory {peak:.1} MiB");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_8_mib_journal_cap_900_kb_bodies_keep_memory_under_56_mib() {
    let peak = peak_resident_mib_with_900_kb_bodies(&["--max-journal-bytes", "8388608"]).await;
    assert!(peak < 56.0, "peak resident memory {peak:.1} MiB");
}

/// Kills the child when the test ends, passed or failed.
pub(crate) struct KillOnDrop(pub(crate) std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads until the server closes the connection (or `limit` passes: then the test fails).
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(limit, read).await.is_ok()
}

#[tokio::test]
async fn a_request_whose_headers_stall_is_closed_and_other_clients_are_served_meanwhile() {
    use tokio::io::AsyncWriteExt;
    let mock = Mock::start().await;
    let mut stalled = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    stalled
        .write_all(b"POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();

    mock.reset_pin_ok("alice").await;

    assert!(
        closed_within(&mut stalled, Duration::from_secs(30)).await,
        "half-sent headers are given up on (after 10 s)"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(30)).await,
        "a client that says nothing is closed too"
    );
    mock.reset_pin_ok("alice").await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_header_limit_and_closes_at_the_idle_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let health = b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n";
    // Default limits: idle for longer than the 10 s header limit, then a second request.
    let mock = Mock::start().await;
    let mut stream = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    stream.write_all(health).await.unwrap();
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_secs(11)).await;
    stream.write_all(health).await.unwrap();
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "still open after 11 s idle: {:?}",
        String::from_utf8_lossy(&buf[..n])
    );

    // A short idle limit closes the connection once it passes.
    let short = Mock::with(
        exchange_um_mock::UmMockServer::builder().idle_timeout(Duration::from_millis(500)),
    )
    .await;
    let mut stream = tokio::net::TcpStream::connect(short.address())
        .await
        .unwrap();
    stream.write_all(health).await.unwrap();
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
}

#[test]
fn out_of_file_descriptors_the_server_waits_and_serves_again() {
    // The binary under a limit of 64 descriptors, and 150 clients that connect and say
    // nothing: accepting fails with EMFILE until they go.
    let mut command = std::process::Command::new("prlimit");
    command
        .args(["--nofile=64:64", "--"])
        .arg(env!("CARGO_BIN_EXE_exchange-um-mock"))
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("prlimit (util-linux) runs");
    let stdout = child.stdout.take().unwrap();
    let _child = KillOnDrop(child);
    let address = http_address(&read_ready_url(&mut BufReader::new(stdout)));
    let silent: Vec<std::net::TcpStream> = (0..150)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    assert!(
        silent.len() > 64,
        "more clients than descriptors: {}",
        silent.len()
    );

    drop(silent);

    // Served again once descriptors are free (the accept loop backs off and retries).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let answer = loop {
        let answer = raw_health(&address);
        if answer.starts_with("HTTP/1.1 200") || std::time::Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

fn raw_health(address: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ =
        stream.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[tokio::test]
async fn two_thousand_idle_keep_alive_connections_cost_little_and_others_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_child, pid, base) = start_binary(&[]);
    let address = http_address(&base);
    let rss_before = rss_kib(pid);

    let mut idle = Vec::new();
    for _ in 0..2_000 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        idle.push(stream);
    }
    let rss_after = rss_kib(pid);

    assert!(raw_health(&address).starts_with("HTTP/1.1 200"));
    let per_connection = (rss_after.saturating_sub(rss_before)) / 2_000;
    assert!(
        per_connection < 64,
        "{per_connection} KiB per idle connection ({rss_before} -> {rss_after} KiB)"
    );
    drop(idle);
}

pub(crate) fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
