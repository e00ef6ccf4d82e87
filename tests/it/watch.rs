//! `--watch`: an edit of the fixtures folder is served without a request, a broken
//! save is logged with its path and changes nothing, the next good save is picked up, editors
//! that save by rename and a replaced folder are followed; emails and the journal stay.
//! Deadlines are generous and only stop a hung test: nothing here measures speed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
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
    fn start(dir: &Path) -> Watching {
        let mut child = command()
            .args(["--listen", "127.0.0.1:0", "--watch", "--fixtures"])
            .arg(dir)
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
        self.log_until(text).pop().unwrap()
    }

    /// The log lines up to and including the next one containing `text`.
    fn log_until(&self, text: &str) -> Vec<String> {
        let start = Instant::now();
        let mut lines = Vec::new();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    lines.push(line);
                    if found {
                        return lines;
                    }
                }
                Err(_) => panic!("no log line with {text:?} in {lines:#?}"),
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
    let server = Watching::start(&dir.0);
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
    let server = Watching::start(&dir.0);

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
    let server = Watching::start(&dir.0);
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

/// Until dropped, every 50 ms: reads the fixtures in `dir` and appends to a file beside it (in
/// the parent folder, which the watch sees too). Neither is a change to the fixtures.
struct Noise {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Noise {
    fn start(dir: &Path) -> Noise {
        let stop = Arc::new(AtomicBool::new(false));
        let dir = dir.to_path_buf();
        let beside = dir.with_extension("noise");
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = std::fs::read(dir.join("mock.json"));
                    if let Ok(entries) = std::fs::read_dir(dir.join("responses/ResetPIN")) {
                        for entry in entries.flatten() {
                            let _ = std::fs::read(entry.path());
                        }
                    }
                    let mut file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&beside)
                        .unwrap();
                    std::io::Write::write_all(&mut file, b"tick\n").unwrap();
                    drop(file);
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
        Noise {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Noise {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[tokio::test]
async fn an_edit_is_served_while_the_fixtures_are_read_and_files_beside_them_change() {
    let base = TempDir::new("watch-noise");
    base.write_default_fixtures("fx");
    let dir = base.0.join("fx");
    let server = Watching::start(&dir);
    let _noise = Noise::start(&dir);

    std::fs::write(dir.join("mock.json"), alice_named("Alice Amid Noise")).unwrap();

    server.wait_for_display_name("Alice Amid Noise").await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_folder_follows_an_atomic_swap_of_the_link() {
    let base = TempDir::new("watch-symlink");
    base.write_default_fixtures("v1");
    base.write_default_fixtures("v2");
    base.write("v2/mock.json", alice_named("Alice Two"));
    let current = base.0.join("current");
    std::os::unix::fs::symlink("v1", &current).unwrap();
    let server = Watching::start(&current);

    // `ln -sfn v2 current.tmp && mv -T current.tmp current`: what deploy tools do.
    std::os::unix::fs::symlink("v2", base.0.join("current.tmp")).unwrap();
    std::fs::rename(base.0.join("current.tmp"), &current).unwrap();

    server.wait_for_display_name("Alice Two").await;
    base.write("v2/mock.json", alice_named("Alice Two Edited"));
    server.wait_for_display_name("Alice Two Edited").await;
}

#[tokio::test]
async fn a_folder_gone_with_its_parent_is_watched_again_when_it_is_back() {
    let base = TempDir::new("watch-parent");
    base.write_default_fixtures("pp/fx");
    let dir = base.0.join("pp/fx");
    let server = Watching::start(&dir);

    // `rm -rf pp; sleep 1; mkdir -p pp && cp -r fixtures pp/fx`, with the pause replaced by the
    // warning: then the double has seen both folders gone, not just a replaced one.
    std::fs::remove_dir_all(base.0.join("pp")).unwrap();
    server.wait_for_log("fixtures folder is missing");
    base.write_default_fixtures("pp/fx");
    base.write("pp/fx/mock.json", alice_named("Alice Back"));

    server.wait_for_display_name("Alice Back").await;
    let logged = server.log_until("watched again");
    assert!(
        !logged.iter().any(|line| line.contains("missing")),
        "warned once: {logged:#?}"
    );
    base.write("pp/fx/mock.json", alice_named("Alice Edited After"));
    server.wait_for_display_name("Alice Edited After").await;
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

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_saved_into_a_watched_folder_is_a_logged_problem_and_sigterm_still_exits() {
    let dir = TempDir::with_default_fixtures("watch-fifo");
    let mut server = Watching::start(&dir.0);
    let fifo = dir.0.join("responses/ResetPIN/pipe.xml");

    // A FIFO nobody writes to: opening it would block the reload for good.
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let logged = server.wait_for_log("not reloaded:");
    assert!(
        logged.contains("responses/ResetPIN/pipe.xml: is a FIFO"),
        "{logged}"
    );
    assert_eq!(server.display_name().await, "Alice Wood");

    let pid = server.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    // A hang guard, not a speed check.
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "SIGTERM did not stop the server"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(status.code(), Some(0));
}
