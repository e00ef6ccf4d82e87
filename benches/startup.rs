//! Start-up cost of an embedded double: time from `start()` to the first answered request (a
//! real HTTP request over loopback), and resident memory per live server, for
//! `UmMockServer` and, as the baseline measured in the same run, `wiremock::MockServer`.
//!
//! `cargo bench --bench startup` (all features not needed). Numbers go in BENCHMARKS.md.
//! Without `--bench` (as under `cargo test`) it does a three-run smoke pass.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use exchange_um_mock::UmMockServer;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ENVELOPE: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

/// One ResetPIN POST over a fresh blocking connection; the status line. The same client
/// code for every server, so only the servers differ.
fn post_reset_pin(address: SocketAddr) -> String {
    let mut stream = std::net::TcpStream::connect(address).expect("the server listens");
    // One write: `write!` on a socket sends each formatted piece as its own segment, and the
    // server then waits for the body in a second read, which measures the client, not it.
    let request = format!(
        "POST /EWS/UM2007Legacy.asmx HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic YWxpY2U6cHc=\r\n\
         Content-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ENVELOPE}",
        ENVELOPE.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("loopback write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("loopback read");
    answer.lines().next().unwrap_or_default().to_string()
}

/// Where the time goes: `start()` alone, then the first request alone (ResetPIN or health).
async fn um_split(health: bool) -> (Duration, Duration) {
    let started = Instant::now();
    let server = UmMockServer::start().await;
    let up = started.elapsed();
    let started = Instant::now();
    let status = if health {
        get_health(server.address())
    } else {
        post_reset_pin(server.address())
    };
    let answered = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK");
    (up, answered)
}

/// wiremock's `MockServer` blocks in `Drop` on its own verification
/// (`futures::executor::block_on`); on this bench's single runtime thread that hung now and
/// then, so it is dropped on a blocking thread while the runtime keeps running.
async fn drop_off_thread(server: MockServer) {
    tokio::task::spawn_blocking(move || drop(server))
        .await
        .expect("dropping a MockServer");
}

async fn wiremock_split() -> (Duration, Duration) {
    let started = Instant::now();
    let server = MockServer::builder().start().await;
    mount(&server).await;
    let up = started.elapsed();
    let started = Instant::now();
    let status = post_reset_pin(*server.address());
    let answered = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK");
    drop_off_thread(server).await;
    (up, answered)
}

fn get_health(address: SocketAddr) -> String {
    let mut stream = std::net::TcpStream::connect(address).expect("the server listens");
    stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("loopback write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("loopback read");
    answer.lines().next().unwrap_or_default().to_string()
}

async fn um_mock_server() -> (Duration, UmMockServer) {
    let started = Instant::now();
    let server = UmMockServer::start().await;
    let status = post_reset_pin(server.address());
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK");
    (took, server)
}

async fn mount(server: &MockServer) {
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<ok/>"))
        .mount(server)
        .await;
}

/// `MockServer::builder().start()`: a new server every time, like `UmMockServer::start`.
async fn wiremock_fresh() -> (Duration, MockServer) {
    let started = Instant::now();
    let server = MockServer::builder().start().await;
    mount(&server).await;
    let status = post_reset_pin(*server.address());
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK");
    (took, server)
}

/// `MockServer::start()`: what wiremock users call; after the first test it recycles a pooled
/// server instead of starting one.
async fn wiremock_pooled() -> (Duration, MockServer) {
    let started = Instant::now();
    let server = MockServer::start().await;
    mount(&server).await;
    let status = post_reset_pin(*server.address());
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK");
    (took, server)
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} median {:>7.3} ms   p95 {:>7.3} ms   min {:>7.3} ms   max {:>7.3} ms   (n={})",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// In a child process of its own (so one kind's freed memory cannot hide another's cost):
/// the RSS growth from `live` servers that have each answered one request.
fn memory_child(kind: &str, live: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // Warm up the allocator, the client path and any one-off statics before the baseline.
        match kind {
            "um" => drop(um_mock_server().await),
            _ => drop_off_thread(wiremock_fresh().await.1).await,
        }
        let before = rss_kib();
        let mut um = Vec::new();
        let mut wm = Vec::new();
        for _ in 0..live {
            match kind {
                "um" => um.push(um_mock_server().await.1),
                _ => wm.push(wiremock_fresh().await.1),
            }
        }
        let after = rss_kib();
        println!("{}", (after.saturating_sub(before)) as f64 / live as f64);
        // Exit without dropping the servers: dropping 50 live wiremock servers at once hung
        // in our runs (each drop blocks on its own verification), and teardown is not measured.
        let _ = std::io::stdout().flush();
        std::process::exit(0);
    });
}

fn memory(kind: &str, live: usize) -> String {
    let output = Command::new(std::env::current_exe().expect("the bench binary"))
        .args(["--memory-child", kind, &live.to_string()])
        .output()
        .expect("the bench can run itself");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--memory-child") {
        let live = args[at + 2].parse().expect("a count");
        return memory_child(&args[at + 1], live);
    }
    let full = args.iter().any(|a| a == "--bench");
    let (runs, warmup, live) = if full { (200, 10, 50) } else { (3, 1, 3) };

    // Like a default #[tokio::test]: one current-thread runtime drives every start.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (mut um, mut fresh, mut pooled) = (Vec::new(), Vec::new(), Vec::new());
    let (mut um_up, mut um_reset, mut um_health, mut wm_up, mut wm_request) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    runtime.block_on(async {
        // Interleaved, so drift in machine load hits every kind alike.
        for run in 0..warmup + runs {
            let (a, server_a) = um_mock_server().await;
            let (b, server_b) = wiremock_fresh().await;
            let (c, server_c) = wiremock_pooled().await;
            drop(server_a);
            drop_off_thread(server_b).await;
            drop_off_thread(server_c).await;
            let (up, reset) = um_split(false).await;
            let (_, health) = um_split(true).await;
            let (w_up, w_request) = wiremock_split().await;
            if run >= warmup {
                um.push(a);
                fresh.push(b);
                pooled.push(c);
                um_up.push(up);
                um_reset.push(reset);
                um_health.push(health);
                wm_up.push(w_up);
                wm_request.push(w_request);
            }
        }
    });
    println!("start() to first answered request ({runs} runs after {warmup} warm-up):");
    summary("UmMockServer::start (embedded fixtures)", um);
    summary("wiremock MockServer::builder().start + mount", fresh);
    summary("wiremock MockServer::start (pooled) + mount", pooled);
    println!("split (separate servers, same runs):");
    summary("UmMockServer::start alone", um_up);
    summary("  its first request: ResetPIN", um_reset);
    summary("  its first request: GET /__admin/health", um_health);
    summary("wiremock builder().start + mount alone", wm_up);
    summary("  its first request: POST (template)", wm_request);
    println!("resident memory per live server ({live} servers, each answered one request):");
    println!("{:<44} {} KiB", "UmMockServer", memory("um", live));
    println!(
        "{:<44} {} KiB",
        "wiremock MockServer",
        memory("wiremock", live)
    );
}
