//! The resident-memory promise with sessions in use: the binary's peak resident memory stays
//! under its journal caps — the root's `--max-journal-bytes` plus each session's
//! `--session-max-journal-bytes` — plus 48 MiB, the caps read from the binary's own defaults.

use serde_json::Value;
use tokio::task::JoinSet;

use crate::cli::command;
use crate::limits::{padded_reset_pin, post_bodies, rss_kib, start_binary, vm_hwm_mib};
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

/// The root and `SESSIONS` sessions of the binary with its defaults, each sent twice its
/// journal cap's worth of `body` (all five at once, so every journal is full and turning over
/// while the others are); the peak resident memory in MiB, and the bound promised for it:
/// the journal caps (the root's and each session's, as `--help` states the defaults) + 48 MiB.
async fn peak_and_bound_with_sessions_sent(body: bytes::Bytes) -> (f64, f64) {
    const SESSIONS: usize = 4;
    let root_cap = default_of("--max-journal-bytes") as f64;
    let session_cap = default_of("--session-max-journal-bytes") as f64;
    let bound_mib = (root_cap + SESSIONS as f64 * session_cap) / MIB + 48.0;
    let (_child, pid, base) = start_binary(&[]);
    let client = reqwest::Client::new();
    let mut doubles = vec![base.clone()];
    for _ in 0..SESSIONS {
        doubles.push(new_session(&client, &base).await);
    }
    let bodies_for = |cap: f64| (2.0 * cap / body.len() as f64).ceil() as usize + 1;

    let mut clients = JoinSet::new();
    for (n, double) in doubles.iter().enumerate() {
        let count = bodies_for(if n == 0 { root_cap } else { session_cap });
        clients.spawn(post_bodies(
            format!("{double}{PATH_2010}"),
            body.clone(),
            count,
        ));
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }

    for double in &doubles {
        assert!(
            evicted(&client, double).await > 0,
            "{double}'s journal is full"
        );
    }
    let peak = vm_hwm_mib(pid);
    eprintln!("peak resident memory {peak:.1} MiB (promised under {bound_mib:.1} MiB)");
    (peak, bound_mib)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_four_sessions_in_use_900_kb_bodies_keep_memory_under_all_journal_caps_plus_48_mib() {
    // Arrange: ResetPIN envelopes padded to 900 KB in a header.
    let body = padded_reset_pin(900_000);

    // Act
    let (peak, bound) = peak_and_bound_with_sessions_sent(body).await;

    // Assert
    assert!(
        peak < bound,
        "peak resident memory {peak:.1} MiB, promised under {bound:.1} MiB"
    );
}

#[tokio::test]
async fn a_sessions_dial_plan_with_900_kb_of_access_numbers_is_not_copied_into_each_email() {
    // Arrange: a session whose fixtures (sent by the client) give alice's dial plan 50,000
    // access numbers, about 900 KB.
    let (_child, pid, base) = start_binary(&[]);
    let client = reqwest::Client::new();
    let numbers: Vec<String> = (0..50_000)
        .map(|n| format!("+1 425 555 {:04}", n % 10_000))
        .collect();
    let fixtures = serde_json::json!({
        "dial_plans": [{"name": "Big", "access_numbers": numbers}],
        "mailboxes": [{"smtp_address": "alice@contoso.com", "logons": ["alice"],
                       "extension": "4001", "dial_plan": "Big"}]
    });
    let response = client
        .post(format!("{base}/__admin/sessions"))
        .json(&serde_json::json!({ "fixtures": fixtures }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let session: Value = response.json().await.unwrap();
    let url = format!("{}{PATH_2010}", session["base_url"].as_str().unwrap());
    let before = rss_kib(pid);

    // Act: 300 resets, each capturing an email that lists the numbers.
    for _ in 0..300 {
        let response = client
            .post(&url)
            .header("Authorization", basic("alice", "pw"))
            .body(reset_pin_envelope())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    // Assert: a copy per email would be 300 × 900 KB and more; the emails are all there.
    let grown_mib = rss_kib(pid).saturating_sub(before) as f64 / 1024.0;
    assert!(grown_mib < 32.0, "resident memory grew {grown_mib:.1} MiB");
    let emails: Value = client
        .get(format!(
            "{}/__admin/emails?limit=1",
            session["base_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(emails["total"], 300);
    assert_eq!(
        emails["emails"][0]["access_numbers"]
            .as_array()
            .unwrap()
            .len(),
        50_000
    );
}

#[tokio::test]
async fn a_hundred_empty_sessions_cost_little_memory() {
    // Arrange
    let (_child, pid, base) = start_binary(&[]);
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
    eprintln!(
        "RSS {before} KiB -> {} KiB: {per_session} KiB per empty session",
        rss_kib(pid)
    );
    assert!(per_session < 256, "{per_session} KiB per empty session");
}
