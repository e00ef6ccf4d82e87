//! SPEC §10's limits as a harness meets them: the double never stalls, whatever its stderr.

use std::io::{BufRead, BufReader};
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
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
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

/// Kills the child when the test ends, passed or failed.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
