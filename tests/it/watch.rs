//! `--watch` (SPEC §14): an edit of the fixtures folder is served without a request, a broken
//! save is logged with its path and changes nothing, the next good save is picked up, editors
//! that save by rename and a replaced folder are followed; emails and the journal stay.
//! Deadlines are generous and only stop a hung test: nothing here measures speed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::command;
use crate::support::*;

/// Long enough for a loaded CI machine; a watch that works answers in well under a second.
const DEADLINE: Duration = Duration::from_secs(20);

/// `exchange-um-mock --watch --fixtures DIR`, with its stderr lines as they come.
struct Watching {
    child: Child,
    url: String,
    stderr: mpsc::Receiver<String>,
}

impl Watching {
    fn start(dir: &TempDir) -> Watching {
        let mut child = command()
            .args(["--listen", "127.0.0.1:0", "--watch", "--fixtures"])
            .arg(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let url = read_ready_url(&mut BufReader::new(child.stdout.take().unwrap()));
        let (tx, stderr) = mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Watching { child, url, stderr }
    }

    async fn get(&self, path: &str) -> Value {
        reqwest::get(format!("{}{path}", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn display_name(&self) -> Value {
        self.get("/__admin/mailboxes/alice@contoso.com").await["display_name"].clone()
    }

    /// Polls until alice's display name is `name`.
    async fn wait_for_display_name(&self, name: &str) {
        let start = Instant::now();
        while self.display_name().await != name {
            assert!(start.elapsed() < DEADLINE, "never saw display name {name}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for a log line containing `text`, and returns it.
    fn wait_for_log(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!("no log line with {text:?}"),
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The default fixtures with alice's display name changed.
fn alice_named(name: &str) -> String {
    default_mock_json().replace("\"Alice Wood\"", &format!("\"{name}\""))
}

/// Saves `relative` the way many editors do: a new file, renamed over the old one.
fn save_by_rename(dir: &TempDir, relative: &str, contents: &str) {
    let temporary = format!("{relative}.tmp~");
    dir.write(&temporary, contents);
    std::fs::rename(dir.0.join(&temporary), dir.0.join(relative)).unwrap();
}

#[tokio::test]
async fn an_edit_is_served_without_a_request_and_emails_and_journal_stay() {
    let dir = TempDir::with_default_fixtures("watch-edit");
    let server = Watching::start(&dir);
    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{}{PATH_2010}", server.url))
        .header("Authorization", basic("alice", "x"))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .body(reset_pin_envelope())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    dir.write("mock.json", alice_named("Alice Watched"));

    server.wait_for_display_name("Alice Watched").await;
    assert_eq!(server.get("/__admin/emails").await["total"], 1);
    assert_eq!(server.get("/__admin/requests").await["total"], 1);
    server.wait_for_log("fixtures reloaded");
}

#[tokio::test]
async fn a_broken_save_is_logged_with_its_path_and_the_next_good_save_by_rename_is_served() {
    let dir = TempDir::with_default_fixtures("watch-broken");
    let server = Watching::start(&dir);

    save_by_rename(
        &dir,
        "mock.json",
        &alice_named("Alice Broken").replace("\"policy\": \"Strict\"", "\"policy\": \"Strickt\""),
    );
    let logged = server.wait_for_log("not reloaded: mock.json:");

    assert!(logged.contains("unknown policy 'Strickt'"), "{logged}");
    assert_eq!(
        server.display_name().await,
        "Alice Wood",
        "the old state stays"
    );

    save_by_rename(&dir, "mock.json", &alice_named("Alice Fixed"));

    server.wait_for_display_name("Alice Fixed").await;
}

#[tokio::test]
async fn a_replaced_folder_is_followed() {
    let dir = TempDir::with_default_fixtures("watch-replace");
    let server = Watching::start(&dir);
    let old = TempDir(dir.0.with_extension("old"));

    // What `rm -rf DIR && cp -r NEW DIR` or a deploy script's swap does.
    std::fs::rename(&dir.0, &old.0).unwrap();
    std::fs::create_dir(&dir.0).unwrap();
    for entry in std::fs::read_dir(old.0.join("responses/ResetPIN")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        dir.write(
            &format!("responses/ResetPIN/{name}"),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    dir.write("mock.json", alice_named("Alice Replaced"));

    server.wait_for_display_name("Alice Replaced").await;
    dir.write("mock.json", alice_named("Alice Edited Later"));
    server.wait_for_display_name("Alice Edited Later").await;
}

#[test]
fn watch_without_a_fixtures_folder_is_refused_and_documented_in_help() {
    let refused = command()
        .args(["--listen", "127.0.0.1:0", "--watch"])
        .output()
        .unwrap();
    let help = command().args(["serve", "--help"]).output().unwrap();

    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("--fixtures"), "{stderr}");
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--watch"), "{help}");
    assert!(help.contains("Reload --fixtures DIR"), "{help}");
}
