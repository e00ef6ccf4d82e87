//! The docs are tests. Every ```console block of README.md and of the `docs/` pages is run,
//! command by command, against one fresh `exchange-um-mock --seed 7` per file (in a folder of
//! its own, so each file saves its own `reset.xml`), and each command's output must match what
//! the file shows (timestamps masked). `UPDATE_DOCS=1 cargo test --test it readme` rewrites the
//! shown outputs from a real run instead, for review in the diff. Every relative link of the
//! docs must reach a file (and a heading, when it names one); the Rust example of
//! `docs/library.md` is `tests/readme_rust.rs`, and the README's is `tests/readme_sessions.rs`,
//! each compiled and run. A session's id differs every run: the id a file shows stands for the
//! one the server gave where the file first shows it, in the commands after it and in what they print.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

mod links;

/// The address the docs show; replaced by the test server's real one.
const DOCS_ADDRESS: &str = "127.0.0.1:8080";

/// The files with console blocks, each with the fewest commands it may have: a section moved
/// away or deleted fails here instead of silently going untested.
const RUN_DOCS: &[(&str, usize)] = &[
    ("README.md", 16),
    ("docs/admin-api.md", 2),
    ("docs/phone-logon.md", 8),
    ("docs/scenarios.md", 15),
    ("docs/sessions.md", 6),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exchange-um-mock"))
        .args(["--seed", "7", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = crate::support::read_ready_url(&mut BufReader::new(child.stdout.take().unwrap()));
    let address = crate::support::http_address(&url);
    (Server(child), address)
}

/// One `$ command` of a console block and the output lines the file shows for it.
struct Step {
    command: String,
    expected: Vec<String>,
    /// Line range of the expected output in the file.
    lines: std::ops::Range<usize>,
}

fn steps(doc: &str) -> Vec<Step> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let mut in_console = false;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("```console") {
            in_console = true;
        } else if line.starts_with("```") {
            in_console = false;
        } else if in_console && line.starts_with("$ ") {
            let mut command = line[2..].to_string();
            while command.ends_with('\\') && i + 1 < lines.len() {
                i += 1;
                command.push('\n');
                command.push_str(lines[i]);
            }
            let start = i + 1;
            let mut end = start;
            while end < lines.len()
                && !lines[end].starts_with("$ ")
                && !lines[end].starts_with("```")
            {
                end += 1;
            }
            let expected = lines[start..end].iter().map(|l| l.to_string()).collect();
            steps.push(Step {
                command,
                expected,
                lines: start..end,
            });
            i = end;
            continue;
        }
        i += 1;
    }
    steps
}

/// Hides what legitimately differs run to run: wall-clock times and measured durations (every
/// one on a line: a compact JSON object has several).
fn mask(line: &str) -> String {
    let mut line = line.to_string();
    for key in [
        "\"sent_at\"",
        "\"received_at\"",
        "\"started_at\"",
        "\"duration_ms\"",
        "\"pin_set_at\"",
        "\"pin_expires_at\"",
        "\"now\"",
        "\"created_at\"",
        "\"last_used_at\"",
    ] {
        let mut from = 0;
        while let Some(found) = line[from..].find(key) {
            let at = from + found + key.len();
            let end = line[at..].find([',', '}']).map_or(line.len(), |e| at + e);
            let value = line[at..end].trim_start_matches(':').trim();
            // A null stays visible: "no expiry" is part of what the docs show.
            if value != "null" {
                line.replace_range(at..end, ": <masked>");
            }
            from = at;
        }
    }
    if line.to_ascii_lowercase().starts_with("date:") {
        return "date: <masked>".into();
    }
    line
}

/// The session ids (24 lowercase hex digits, random per run) in `text`, in order.
fn session_ids(text: &str) -> Vec<&str> {
    text.split(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
        .filter(|word| word.len() == 24)
        .collect()
}

/// Which session id of the file stands for which id of this run: learnt where an id first
/// shows in an output, then put in the commands after it and taken out of their outputs.
#[derive(Default)]
struct SessionIds(Vec<(String, String)>);

impl SessionIds {
    /// Pairs the ids the file shows in an output with those the run printed, in order.
    fn learn(&mut self, shown: &str, printed: &str) {
        for (shown, printed) in session_ids(shown).into_iter().zip(session_ids(printed)) {
            let known = self.0.iter().any(|(s, p)| s == shown || p == printed);
            if shown != printed && !known {
                self.0.push((shown.to_string(), printed.to_string()));
            }
        }
    }

    fn to_run(&self, command: &str) -> String {
        self.0
            .iter()
            .fold(command.to_string(), |c, (shown, printed)| {
                c.replace(shown, printed)
            })
    }

    fn to_file(&self, output: &str) -> String {
        self.0
            .iter()
            .fold(output.to_string(), |o, (shown, printed)| {
                o.replace(printed, shown)
            })
    }
}

/// Runs every console command of `relative` (a path from the repository root) in order against
/// its own server, and fails listing each command whose output differs from the file's.
fn assert_console_blocks_print_what_they_show(relative: &str) {
    let path = root().join(relative);
    let doc = std::fs::read_to_string(&path).unwrap();
    let steps = steps(&doc);
    let fewest = RUN_DOCS
        .iter()
        .find(|(name, _)| *name == relative)
        .map(|(_, fewest)| *fewest)
        .expect("every file run here is listed in RUN_DOCS");
    assert!(
        steps.len() >= fewest,
        "{relative} lost its console blocks: {} command(s), at least {fewest} expected",
        steps.len()
    );
    let (_server, address) = start_server();
    let dir = std::env::temp_dir().join(format!(
        "exum-docs-{}-{}",
        std::process::id(),
        relative.replace('/', "-")
    ));
    std::fs::create_dir_all(&dir).unwrap();

    let mut failures = Vec::new();
    let mut actual_outputs = Vec::new();
    let mut ids = SessionIds::default();
    for step in &steps {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} 2>&1",
                ids.to_run(&step.command.replace(DOCS_ADDRESS, &address))
            ))
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).replace(&address, DOCS_ADDRESS);
        ids.learn(&step.expected.join("\n"), &text);
        let text = ids.to_file(&text);
        let actual: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        // A helper script that crashed is never an output worth keeping, even when
        // UPDATE_DOCS would happily record it.
        assert!(
            !text.contains("Traceback (most recent call last)"),
            "$ {}\ncrashed:\n{text}",
            step.command
        );
        let expected: Vec<String> = step.expected.iter().map(|l| mask(l.trim_end())).collect();
        if actual.iter().map(|l| mask(l)).collect::<Vec<_>>() != expected {
            failures.push(format!(
                "$ {}\n--- {relative} (line {}) ---\n{}\n--- actual ---\n{}",
                step.command,
                step.lines.start + 1,
                step.expected.join("\n"),
                actual.join("\n")
            ));
        }
        actual_outputs.push(actual);
    }
    let _ = std::fs::remove_dir_all(&dir);

    if std::env::var_os("UPDATE_DOCS").is_some() {
        let mut lines: Vec<String> = doc.lines().map(str::to_string).collect();
        for (step, actual) in steps.iter().zip(actual_outputs).rev() {
            lines.splice(step.lines.clone(), actual);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        failures.is_empty(),
        "{} command(s) of {relative} print something else:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_console_block_of_the_readme_prints_what_the_readme_shows() {
    assert_console_blocks_print_what_they_show("README.md");
}

#[test]
fn every_console_block_of_the_admin_api_page_prints_what_it_shows() {
    assert_console_blocks_print_what_they_show("docs/admin-api.md");
}

#[test]
fn every_console_block_of_the_phone_logon_page_prints_what_it_shows() {
    assert_console_blocks_print_what_they_show("docs/phone-logon.md");
}

#[test]
fn every_console_block_of_the_scenarios_page_prints_what_it_shows() {
    assert_console_blocks_print_what_they_show("docs/scenarios.md");
}

#[test]
fn every_console_block_of_the_sessions_page_prints_what_it_shows() {
    assert_console_blocks_print_what_they_show("docs/sessions.md");
}

/// README.md, ARCHITECTURE.md, BENCHMARKS.md and every `docs/*.md`, as paths from the root.
fn doc_files() -> Vec<String> {
    let mut files: Vec<String> = ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"]
        .iter()
        .map(|name| name.to_string())
        .collect();
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            files.push(format!("docs/{name}"));
        }
    }
    files.sort();
    files
}

#[test]
fn every_doc_with_a_console_block_is_run_by_a_test_above() {
    let with_console: Vec<String> = doc_files()
        .into_iter()
        .filter(|file| {
            let text = std::fs::read_to_string(root().join(file)).unwrap();
            text.lines().any(|line| line.starts_with("```console"))
        })
        .collect();

    let run: Vec<String> = RUN_DOCS.iter().map(|(name, _)| name.to_string()).collect();

    assert_eq!(
        with_console, run,
        "add a test (and a RUN_DOCS row) per file"
    );
}

/// The first Rust example of `doc` and the code below the marker line of `tested` (both paths
/// from the root) are the same.
fn assert_the_rust_example_is_the_tested_one(doc: &str, tested: &str) {
    let page = std::fs::read_to_string(root().join(doc)).unwrap();
    let shown = page
        .split("```rust\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{doc} shows a Rust example"))
        .split("```")
        .next()
        .unwrap();
    let code = std::fs::read_to_string(root().join(tested)).unwrap();
    let code = code
        .split(&format!("// ---- {doc} example below ----\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("{tested} has the marker line naming {doc}"));
    assert_eq!(shown.trim(), code.trim(), "{doc} and {tested} differ");
}

#[test]
fn the_rust_example_in_the_library_page_is_the_one_compiled_in_tests_readme_rust() {
    assert_the_rust_example_is_the_tested_one("docs/library.md", "tests/readme_rust.rs");
}

#[test]
fn the_rust_example_in_the_readme_is_the_one_compiled_in_tests_readme_sessions() {
    assert_the_rust_example_is_the_tested_one("README.md", "tests/readme_sessions.rs");
}
