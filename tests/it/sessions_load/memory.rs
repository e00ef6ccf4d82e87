//! SPEC §10's memory promise with sessions in use: the binary's peak resident memory stays
//! under its journal caps — the root's `--max-journal-bytes` plus each session's
//! `--session-max-journal-bytes` — plus 48 MiB, the caps read from the binary's own defaults.

use std::io::BufReader;
use std::process::Stdio;

use serde_json::Value;
use tokio::task::JoinSet;

use crate::cli::command;
use crate::limits::{rss_kib, vm_hwm_mib, KillOnDrop};
use crate::support::*;

const MIB: f64 = 1024.0 * 1024.0;

/// The default of `--flag` as `--help` states it (`[default: N]`).
fn default_of(flag: &str) -> u64 {
    let help = command().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let at = help
        .find(&format!("{flag} <"))
        .unwrap_or_else(|| panic!("{flag} in --help"));
    let rest = &help[at..];
    let default = rest
        .find("[default: ")
        .map(|start| &rest[start + "[default: ".len()..])
        .and_then(|tail| tail.split(']').next())
        .unwrap_or_else(|| panic!("a default for {flag} in --help"));
    default.parse().unwrap()
}

/// The binary with default flags on port 0: the process (killed when dropped), its pid and
/// its URL.
fn start_binary() -> (KillOnDrop, u32, String) {
    let mut child = command()
        .args(["--listen", "127.0.0.1:0"])
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

/// `POST /__admin/sessions` on the server at `base`: the new session's `base_url`.
async fn new_session(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .post(format!("{base}/__admin/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let entry: Value = response.json().await.unwrap();
    entry["base_url"].as_str().unwrap().to_string()
}

/// How many journal entries the double at `base` dropped to stay under its cap.
async fn evicted(client: &reqwest::Client, base: &str) -> u64 {
    let journal: Value = client
        .get(format!("{base}/__admin/requests?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    journal["evicted"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_four_sessions_in_use_900_kb_bodies_keep_memory_under_all_journal_caps_plus_48_mib() {
    // Arrange: the binary with its defaults, 4 sessions, and the bound those defaults promise.
    const SESSIONS: usize = 4;
    let root_cap = default_of("--max-journal-bytes") as f64;
    let session_cap = default_of("--session-max-journal-bytes") as f64;
    let bound_mib = (root_cap + SESSIONS as f64 * session_cap) / MIB + 48.0;
    let (_child, pid, base) = start_binary();
    let client = reqwest::Client::new();
    let mut doubles = vec![base.clone()];
    for _ in 0..SESSIONS {
        doubles.push(new_session(&client, &base).await);
    }
    let pad = "x".repeat(900_000);
    let body = bytes::Bytes::from(format!(
        r#"<s:Envelope xmlns:s="{SOAP11}"><s:Header><Pad>{pad}</Pad></s:Header><s:Body><ResetPIN xmlns="{HTTP_NS}"/></s:Body></s:Envelope>"#
    ));
    // Each double gets twice its cap's worth, all five at once: every journal is full and
    // turning over while the others are.
    let bodies_for = |cap: f64| (2.0 * cap / body.len() as f64).ceil() as usize + 1;

    // Act
    let mut clients = JoinSet::new();
    for (n, double) in doubles.iter().enumerate() {
        let count = bodies_for(if n == 0 { root_cap } else { session_cap });
        let (url, body) = (format!("{double}{PATH_2010}"), body.clone());
        clients.spawn(async move {
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
        });
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }

    // Assert: every journal reached its cap, and the peak stayed under the promise.
    for double in &doubles {
        assert!(evicted(&client, double).await > 0, "{double}'s journal is full");
    }
    let peak = vm_hwm_mib(pid);
    eprintln!("peak resident memory {peak:.1} MiB (promised under {bound_mib:.1} MiB)");
    assert!(
        peak < bound_mib,
        "peak resident memory {peak:.1} MiB, promised under {bound_mib:.1} MiB"
    );
}

#[tokio::test]
async fn a_hundred_empty_sessions_cost_little_memory() {
    // Arrange
    let (_child, pid, base) = start_binary();
    let client = reqwest::Client::new();
    // The first session pays for what any session needs once (code paths, allocator arenas);
    // 99 more reach the default --max-sessions.
    new_session(&client, &base).await;
    let before = rss_kib(pid);

    // Act
    for _ in 0..99 {
        new_session(&client, &base).await;
    }

    // Assert
    let per_session = rss_kib(pid).saturating_sub(before) / 99;
    eprintln!("RSS {before} KiB -> {} KiB: {per_session} KiB per empty session", rss_kib(pid));
    assert!(per_session < 256, "{per_session} KiB per empty session");
}
