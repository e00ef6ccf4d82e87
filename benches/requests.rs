//! Request-path benchmark: requests per second and latency percentiles for ResetPIN and
//! IsUMEnabled on exchange-um-mock, against wiremock-rs answering the same ResetPIN bytes from
//! a canned mock (the baseline, measured in the same run with the same client).
//!
//! Run: `cargo bench --bench requests` (release build; numbers go in BENCHMARKS.md).

use std::time::{Duration, Instant};

use exchange_um_mock::UmMockServer;

const WORKERS: usize = 8;
const REQUESTS_PER_WORKER: usize = 500;
/// Rounds of all three loads, interleaved, so drift in machine load hits each alike; the
/// table shows the median round.
const ROUNDS: usize = 5;

const RESET_PIN: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;
const IS_UM_ENABLED: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><IsUMEnabled xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#;

struct Run {
    name: &'static str,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// `WORKERS` keep-alive clients each send `REQUESTS_PER_WORKER` POSTs of `body` to `url`.
async fn load(name: &'static str, url: String, body: &'static str) -> Run {
    let client = reqwest::Client::new();
    // Warm-up: connections, allocator, caches.
    for _ in 0..200 {
        send(&client, &url, body).await;
    }
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (client, url) = (client.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(REQUESTS_PER_WORKER);
            for _ in 0..REQUESTS_PER_WORKER {
                let sent = Instant::now();
                send(&client, &url, body).await;
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("a load worker panicked"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Run {
        name,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

async fn send(client: &reqwest::Client, url: &str, body: &'static str) {
    let response = client
        .post(url)
        .basic_auth("alice@contoso.com", Some("x"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("a whole body");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let double = UmMockServer::builder()
        .seed(1)
        .start()
        .await
        .expect("the double starts");
    let canned = wiremock::MockServer::start().await;
    let reset_pin_answer = {
        let reply = reqwest::Client::new()
            .post(double.service_url())
            .basic_auth("alice@contoso.com", Some("x"))
            .body(RESET_PIN)
            .send()
            .await
            .expect("the double answers");
        reply.bytes().await.expect("a whole body").to_vec()
    };
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/EWS/UM2007Legacy.asmx"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_raw(reset_pin_answer, "text/xml; charset=utf-8"),
        )
        .mount(&canned)
        .await;

    let canned_url = format!("{}/EWS/UM2007Legacy.asmx", canned.uri());
    let mut rounds: [Vec<Run>; 3] = Default::default();
    for _ in 0..ROUNDS {
        let baseline = "wiremock-rs, canned ResetPIN bytes (baseline)";
        rounds[0].push(load(baseline, canned_url.clone(), RESET_PIN).await);
        let reset = "exchange-um-mock, ResetPIN (new PIN + email + journal)";
        rounds[1].push(load(reset, double.service_url(), RESET_PIN).await);
        let enabled = "exchange-um-mock, IsUMEnabled";
        rounds[2].push(load(enabled, double.service_url(), IS_UM_ENABLED).await);
    }
    let runs = rounds.map(|mut kind| {
        kind.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
        kind.swap_remove(ROUNDS / 2)
    });
    let emails = double.emails().len();
    println!(
        "{WORKERS} keep-alive clients x {REQUESTS_PER_WORKER} requests each, client and servers in one process; median of {ROUNDS} interleaved rounds\n"
    );
    println!("| server and request | requests/s | p50 | p99 |");
    println!("|---|---|---|---|");
    for run in &runs {
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms |",
            run.name,
            run.per_second,
            run.p50.as_secs_f64() * 1e3,
            run.p99.as_secs_f64() * 1e3
        );
    }
    println!("\nemails kept after the run: {emails} (store bound 10,000; older ones evicted)");
}
