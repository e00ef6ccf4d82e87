//! The `exchange-um-mock` command: `serve` (ready line, a real ResetPIN, SIGTERM), `validate`,
//! and refusing to start on bad fixtures or an unusable address.

use std::io::{BufReader, Read};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::*;

mod health;

const BIN: &str = env!("CARGO_BIN_EXE_exchange-um-mock");

/// The command with no `EXUM_*` variables inherited from the environment.
pub(crate) fn command() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EXUM_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// Runs the command to completion (it must not serve).
fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A serving child process, killed (by its own id) if a test fails before it exits.
pub(crate) struct Serving {
    child: Option<Child>,
    stdout: BufReader<std::process::ChildStdout>,
    /// Everything the child writes to stderr, collected by a thread so the pipe never fills.
    stderr: mpsc::Receiver<String>,
    pub(crate) url: String,
}

impl Serving {
    /// Starts `serve` with `args` and reads its ready line.
    pub(crate) fn start(mut command: Command) -> Serving {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = tx.send(text);
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let url = read_ready_url(&mut stdout);
        Serving {
            child: Some(child),
            stdout,
            stderr: rx,
            url,
        }
    }

    /// The URL of the next ready line (the second listener's, after `start` read the first).
    pub(crate) fn next_url(&mut self) -> String {
        read_ready_url(&mut self.stdout)
    }

    pub(crate) fn sigterm(&self) {
        let pid = self.child.as_ref().unwrap().id();
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the exit; the status, the rest of stdout and all of stderr.
    pub(crate) fn exit(mut self) -> (ExitStatus, String, String) {
        let mut child = self.child.take().unwrap();
        // A hang guard, not a speed check: a server that never exits fails here instead of
        // hanging the suite.
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let _ = tx.send(());
            (child, status)
        });
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            panic!("the server did not exit");
        }
        let (_, status) = waiter.join().unwrap();
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let stderr = self.stderr.recv().unwrap();
        (status.unwrap(), rest, stderr)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn serve_prints_one_ready_line_answers_a_reset_and_exits_0_on_sigterm() {
    let mut command = command();
    command.args(["--listen", "127.0.0.1:0", "--seed", "7"]);
    let serving = Serving::start(command);
    assert!(
        serving.url.starts_with("http://127.0.0.1:"),
        "{}",
        serving.url
    );
    let port: u16 = serving.url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{}{PATH_2007}", serving.url))
        .header("Authorization", basic("alice", "x"))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .header("SOAPAction", format!("\"{HTTP_NS}/ResetPIN\""))
        .body(reset_pin_envelope())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.text().await.unwrap(),
        empty_response_xml(HTTP_NS, "ResetPIN")
    );
    let email: serde_json::Value = client
        .get(format!("{}/__admin/emails/latest", serving.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(email["to"], "alice@contoso.com");

    serving.sigterm();
    let (status, rest_of_stdout, _stderr) = serving.exit();

    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(rest_of_stdout, "", "stdout holds exactly one line");
}

#[tokio::test]
async fn serve_reads_its_flags_from_environment_variables_too() {
    let mut command = command();
    command
        .env("EXUM_LISTEN", "127.0.0.1:0")
        .env("EXUM_ADMIN_TOKEN", "sesame");
    let serving = Serving::start(command);
    let client = reqwest::Client::new();
    let health = format!("{}/__admin/health", serving.url);

    let refused = client.get(&health).send().await.unwrap();
    let allowed = client
        .get(&health)
        .bearer_auth("sesame")
        .send()
        .await
        .unwrap();

    assert_eq!(refused.status(), 401);
    assert_eq!(allowed.status(), 200);
    serving.sigterm();
    assert_eq!(serving.exit().0.code(), Some(0));
}

#[test]
fn validate_prints_every_problem_as_file_path_problem_and_exits_1() {
    let dir = TempDir::new("validate");
    dir.write(
        "mock.json",
        r#"{
          "policies": [{"name": "Strict", "min_pin_length": 3}],
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}]
        }"#,
    );
    dir.write("responses/ResetPIN/broken.xml", "<not soap");

    let output = run(command().arg("validate").arg(&dir.0));

    assert_eq!(output.status.code(), Some(1));
    let mut found = lines(&output.stdout);
    found.sort();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        found[0],
        "mock.json: mailboxes[0].policy: unknown policy 'Nope'"
    );
    assert_eq!(
        found[1],
        "mock.json: policies[0].min_pin_length: 3 is out of range 4–24"
    );
    assert!(
        found[2].starts_with("responses/ResetPIN/broken.xml: not a SOAP 1.1 envelope: "),
        "{}",
        found[2]
    );
    assert_eq!(
        lines(&output.stderr),
        ["3 problem(s) found"],
        "the count goes to stderr"
    );
}

#[test]
fn validate_reports_every_problem_past_a_broken_server_or_mail_section() {
    let dir = TempDir::new("validate-sections");
    dir.write(
        "mock.json",
        r#"{
          "server": {"fqdn": 5},
          "mail": {"text": "no pin here"},
          "mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}],
          "scenarios": [{"mailbox": "zed@x.com", "operation": "ResetPIN", "outcomes": ["default"]}]
        }"#,
    );

    let output = run(command().arg("validate").arg(&dir.0));

    assert_eq!(output.status.code(), Some(1));
    let mut found = lines(&output.stdout);
    found.sort();
    let paths: Vec<&str> = found
        .iter()
        .map(|line| line.split(": ").nth(1).unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "mail.text",
            "mailboxes[0].policy",
            "scenarios[0].mailbox",
            "server.fqdn"
        ],
        "{found:#?}"
    );
}

#[test]
fn validate_accepts_the_embedded_set_and_the_repo_fixtures_folder() {
    let expected =
        "fixtures OK: 5 mailboxes, 3 policies, 1 dial plan, 1 scenario, 4 canned responses";

    let embedded = run(command().arg("validate"));
    let folder = run(command().arg("validate").arg(fixture_path("")));

    for output in [embedded, folder] {
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert_eq!(lines(&output.stdout), [expected]);
    }
}

#[test]
fn serve_refuses_to_start_on_a_missing_or_broken_fixtures_folder() {
    let missing = std::env::temp_dir().join(format!("exum-it-missing-{}", std::process::id()));
    let broken = TempDir::new("broken-serve");
    broken.write(
        "mock.json",
        r#"{"mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}]}"#,
    );

    for (dir, says) in [
        (
            missing.clone(),
            format!("cannot read fixtures at {}", missing.display()),
        ),
        (
            broken.0.clone(),
            "mock.json: mailboxes[0].policy: unknown policy 'Nope'".to_string(),
        ),
    ] {
        let output = run(command()
            .args(["serve", "--listen", "127.0.0.1:0", "--fixtures"])
            .arg(&dir));

        assert!(!output.status.success(), "{output:?}");
        assert!(output.stdout.is_empty(), "no ready line");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(&says), "{stderr:?} lacks {says:?}");
    }
}

#[test]
fn serve_refuses_an_address_already_in_use_or_a_bad_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();

    let in_use = run(command().args(["--listen", &address]));
    let bad_flag = run(command().args(["--listen", "not-an-address"]));

    for output in [in_use, bad_flag] {
        assert!(!output.status.success(), "{output:?}");
        assert!(output.stdout.is_empty());
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn sigterm_right_after_the_ready_line_still_stops_the_server_cleanly() {
    // A CI script may stop the server as soon as it is ready; the ready line promises that
    // SIGTERM is handled from then on. Repeated because the window is small.
    for _ in 0..20 {
        let mut command = command();
        command.args(["--listen", "127.0.0.1:0"]);
        let serving = Serving::start(command);

        serving.sigterm();
        let (status, _, stderr) = serving.exit();

        assert_eq!(status.code(), Some(0), "{status:?} {stderr}");
    }
}

#[test]
fn validate_refuses_a_display_name_with_a_line_break_at_its_path() {
    let dir = TempDir::new("validate-crlf");
    dir.write(
        "mock.json",
        r#"{"mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "display_name": "A\r\nBcc: eve@evil.example"}]}"#,
    );

    let output = run(command().arg("validate").arg(&dir.0));

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        lines(&output.stdout),
        ["mock.json: mailboxes[0].display_name: must be one line (a line break would inject MIME headers)"]
    );
}

#[test]
fn tls_flags_without_an_https_listener_are_a_start_up_error_naming_them() {
    let dir = TempDir::new("tls-flags");
    dir.write("cert.pem", "x");
    dir.write("key.pem", "x");
    let (cert, key) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    let state = dir.0.join("state");
    let ca_out = dir.0.join("ca.pem");

    for (flags, named) in [
        (
            vec![
                "--tls-cert".as_ref(),
                cert.as_os_str(),
                "--tls-key".as_ref(),
                key.as_os_str(),
            ],
            "--tls-cert, --tls-key only apply to https:// listeners",
        ),
        (
            vec!["--tls-state".as_ref(), state.as_os_str()],
            "--tls-state only applies to https:// listeners",
        ),
        (
            vec!["--tls-ca-out".as_ref(), ca_out.as_os_str()],
            "--tls-ca-out only applies to https:// listeners",
        ),
    ] {
        let output = run(command()
            .args(["serve", "--listen", "http://127.0.0.1:0"])
            .args(&flags));

        assert!(!output.status.success(), "{output:?}");
        assert!(output.stdout.is_empty(), "no ready line");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(named), "{stderr:?} lacks {named:?}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one paragraph: {stderr:?}"
        );
    }
    assert!(!state.exists() && !ca_out.exists(), "nothing written");
}

#[cfg(unix)]
#[test]
fn a_tls_cert_that_is_dev_zero_behind_a_symlink_is_refused_unread() {
    let dir = TempDir::new("tls-dev-zero");
    let link = dir.0.join("cert.pem");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    dir.write("key.pem", "x");

    let output = run(command()
        .args(["serve", "--listen", "https://127.0.0.1:0", "--tls-cert"])
        .arg(&link)
        .arg("--tls-key")
        .arg(dir.0.join("key.pem")));

    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let says = format!(
        "{} is a device, not a regular file; it is never opened",
        link.display()
    );
    assert!(stderr.contains(&says), "{stderr:?} lacks {says:?}");
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let mut command = command();
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info");
    let serving = Serving::start(command);

    serving.sigterm();
    let (status, _, stderr) = serving.exit();

    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("INFO"), "lines were logged: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour codes in {stderr:?}");
}
