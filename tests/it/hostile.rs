//! Hostile input at bounded cost: documents built to make a check quadratic, stray and special
//! files in a fixtures folder. Each attack is reproduced at a bounded size and the test asserts
//! on the answer; the work itself is counted in the unit tests beside each check.

use crate::support::*;

/// A ResetPIN envelope whose operation element carries `attributes` (already rendered).
fn envelope_with_attributes(attributes: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><ResetPIN xmlns="{HTTP_NS}"{attributes}/></soap:Body></soap:Envelope>"#
    )
}

#[tokio::test]
async fn ninety_thousand_attributes_on_one_element_get_an_answer_not_a_stall() {
    let mock = Mock::start().await;
    let attributes: String = (0..90_000).map(|i| format!(" a{i}=''")).collect();

    let distinct = envelope_with_attributes(&attributes);
    assert!(
        distinct.len() > 860_000,
        "the attack's size: {}",
        distinct.len()
    );
    let reply = mock.post_as("alice", PATH_2010, distinct).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    let repeated = envelope_with_attributes(&format!("{attributes} a0=''"));
    let reply = mock.post_as("alice", PATH_2010, repeated).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), invalid_request_xml());
    assert!(reply.header("X-Exum-Reason").contains("'a0' appears twice"));
}

#[tokio::test]
async fn piled_up_namespace_declarations_get_the_invalid_request_fault() {
    let mock = Mock::start().await;
    let declarations: String = (0..20_000)
        .map(|i| format!(" xmlns:p{i}='urn:{i}'"))
        .collect();
    let body = format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11}"{declarations}><soap:Body>{}<ResetPIN xmlns="{HTTP_NS}"/></soap:Body></soap:Envelope>"#,
        "<p0:e/>".repeat(20_000)
    );

    let reply = mock.post_as("alice", PATH_2010, body).await;

    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), invalid_request_xml());
    assert!(reply
        .header("X-Exum-Reason")
        .contains("more than 64 namespace declarations in scope"));
}

/// `exchange-um-mock validate DIR`: the exit code and the stdout lines (each problem as
/// `FILE: PATH: problem`), as a user reads them.
fn validate(dir: &std::path::Path) -> (Option<i32>, Vec<String>) {
    let dir = dir.to_path_buf();
    let output = without_hanging(move || {
        crate::cli::command()
            .arg("validate")
            .arg(&dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    });
    let stdout = String::from_utf8(output.stdout).unwrap();
    (
        output.status.code(),
        stdout.lines().map(str::to_string).collect(),
    )
}

/// `validate` on a folder holding only this `mock.json`.
fn validate_mock_json(doc: &serde_json::Value) -> (Option<i32>, Vec<String>) {
    let dir = TempDir::new("hostile-json");
    dir.write("mock.json", doc.to_string());
    validate(&dir.0)
}

/// Waits for `work` on a thread; a hang fails the test instead of the suite (a guard, not a
/// speed check: a working reader answers at once).
fn without_hanging<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("reading the fixtures folder hung")
}

#[test]
fn hidden_files_and_editor_backups_in_a_fixtures_folder_are_ignored() {
    let dir = TempDir::with_default_fixtures("stray");
    for stray in [
        ".DS_Store",
        "responses/.DS_Store",
        "responses/ResetPIN/.server-busy.xml.swp",
        "responses/ResetPIN/server-busy.xml~",
        "responses/ResetPIN/#server-busy.xml#",
        ".git/HEAD",
        "mock.json~",
    ] {
        dir.write(stray, "\0 not a fixture {");
    }

    let set = exchange_um_mock::FixtureSet::from_dir(&dir.0).unwrap();

    let summary = set
        .validate()
        .unwrap_or_else(|problems| panic!("{problems:#?}"));
    assert!(summary.contains("mailbox"), "{summary}");
}

#[cfg(unix)]
#[test]
fn special_files_and_huge_files_in_a_fixtures_folder_are_problems_never_opened() {
    let dir = TempDir::with_default_fixtures("special");
    let fifo = dir.0.join("responses/ResetPIN/pipe.xml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink(&fifo, dir.0.join("responses/ResetPIN/link-to-pipe.xml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.0.join("responses/ResetPIN/zero.xml")).unwrap();
    let _socket =
        std::os::unix::net::UnixListener::bind(dir.0.join("responses/ResetPIN/sock.xml")).unwrap();
    // Sparse: 16 MiB + 1 byte claimed, none written.
    let huge = std::fs::File::create(dir.0.join("responses/ResetPIN/huge.xml")).unwrap();
    huge.set_len(16 * 1024 * 1024 + 1).unwrap();

    let (code, problems) = validate(&dir.0);

    assert_eq!(code, Some(1));
    assert_eq!(
        problems,
        [
            "responses/ResetPIN/huge.xml: is larger than 16 MiB; it is never read",
            "responses/ResetPIN/link-to-pipe.xml: is a FIFO, not a regular file; it is never opened",
            "responses/ResetPIN/pipe.xml: is a FIFO, not a regular file; it is never opened",
            "responses/ResetPIN/sock.xml: is a socket, not a regular file; it is never opened",
            "responses/ResetPIN/zero.xml: is a device, not a regular file; it is never opened",
        ]
    );
}

#[test]
fn overlong_names_and_mail_settings_are_fixture_problems_at_their_paths() {
    let doc = serde_json::json!({
        "mail": { "subject": "s".repeat(999), "from": "f".repeat(998),
                  "text": format!("{{pin}}{}", "é".repeat(32_767)) },
        "mailboxes": [ {
            "smtp_address": format!("{}@x.com", "a".repeat(251)),
            "logons": ["ok", "l".repeat(257)], "display_name": "d".repeat(256),
            "extension": "100"
        } ]
    });

    let (code, problems) = validate_mock_json(&doc);

    assert_eq!(code, Some(1));
    assert_eq!(
        problems,
        [
            "mock.json: mail.subject: must be at most 998 characters (it has 999)",
            "mock.json: mail.text: must be at most 64 KiB (65536 bytes; it has 65539)",
            "mock.json: mailboxes[0].smtp_address: must be at most 256 characters (it has 257)",
            "mock.json: mailboxes[0].logons[1]: must be at most 256 characters (it has 257)",
        ]
    );
}

#[test]
fn two_um_mailboxes_of_one_dial_plan_sharing_an_extension_is_a_problem_naming_the_first() {
    let doc = serde_json::json!({
        "dial_plans": [ { "name": "Contoso" }, { "name": "Fabrikam" } ],
        "mailboxes": [
            { "smtp_address": "a@x.com", "extension": "100", "dial_plan": "Contoso" },
            { "smtp_address": "b@x.com", "extension": "100", "dial_plan": "Fabrikam" },
            { "smtp_address": "c@x.com", "extension": "100", "um_enabled": false, "dial_plan": "Contoso" },
            { "smtp_address": "d@x.com", "extension": "100", "dial_plan": "Contoso" }
        ]
    });

    let (code, problems) = validate_mock_json(&doc);

    assert_eq!(code, Some(1));
    assert_eq!(
        problems,
        ["mock.json: mailboxes[3].extension: extension '100' of dial plan 'Contoso' is already used by mailboxes[0] (a@x.com)"]
    );
}

#[tokio::test]
async fn a_patch_with_an_overlong_name_or_a_shared_extension_is_a_400_with_the_path() {
    let mock = Mock::start().await;
    let alice = mock.mailbox("alice@contoso.com").await;
    let carol = mock.mailbox("carol@contoso.com").await;
    assert_eq!(carol["dial_plan"], alice["dial_plan"], "{carol}");
    assert_eq!(carol["um_enabled"], true);

    for (body, says) in [
        (
            serde_json::json!({ "display_name": "d".repeat(257) }),
            "display_name: must be at most 256 characters (it has 257)".to_string(),
        ),
        (
            serde_json::json!({ "logons": ["x".repeat(300)] }),
            "logons[0]: must be at most 256 characters (it has 300)".to_string(),
        ),
        (
            serde_json::json!({ "extension": alice["extension"] }),
            format!(
                "extension: extension '{}' of dial plan '{}' is already used by",
                alice["extension"].as_str().unwrap(),
                alice["dial_plan"].as_str().unwrap()
            ),
        ),
    ] {
        let reply = mock
            .admin("PATCH", "/__admin/mailboxes/carol@contoso.com", Some(body))
            .await;

        assert_eq!(reply.status, 400, "{}", reply.text());
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(&says), "{error} lacks {says}");
    }
    assert_eq!(mock.mailbox("carol@contoso.com").await, carol);
}

#[cfg(unix)]
#[test]
fn a_world_writable_tls_state_folder_is_refused_at_start_with_one_paragraph() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("state-0777");
    let state = dir.0.join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();

    let output = crate::cli::command()
        .args(["--listen", "https://127.0.0.1:0", "--tls-state"])
        .arg(&state)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();

    assert!(!output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let says = format!(
        "refusing the TLS state folder: {} is writable by its group or by everyone (mode 777)",
        state.display()
    );
    assert!(stderr.contains(&says), "{stderr:?} lacks {says:?}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert_eq!(
        std::fs::read_dir(&state).unwrap().count(),
        0,
        "nothing written"
    );
}
