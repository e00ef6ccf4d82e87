//! The README's walk-through is a test: every ```console block is run, command by command,
//! against one fresh `exchange-um-mock --seed 7`, and each command's output must match the
//! README (timestamps masked). `UPDATE_README=1 cargo test --test it readme` rewrites the
//! outputs from a real run instead, for review in the diff.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The address the README shows; replaced by the test server's real one.
const README_ADDRESS: &str = "127.0.0.1:8080";

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

/// One `$ command` of a console block and the output lines the README shows for it.
struct Step {
    command: String,
    expected: Vec<String>,
    /// Line range of the expected output in README.md.
    lines: std::ops::Range<usize>,
}

fn steps(readme: &str) -> Vec<Step> {
    let lines: Vec<&str> = readme.lines().collect();
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
    ] {
        let mut from = 0;
        while let Some(found) = line[from..].find(key) {
            let at = from + found + key.len();
            let end = line[at..].find([',', '}']).map_or(line.len(), |e| at + e);
            let value = line[at..end].trim_start_matches(':').trim();
            // A null stays visible: "no expiry" is part of what the README shows.
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

#[test]
fn every_console_block_of_the_readme_prints_what_the_readme_shows() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let steps = steps(&readme);
    assert!(
        steps.len() >= 10,
        "the README walk-through lost its console blocks"
    );
    let (_server, address) = start_server();
    let dir = std::env::temp_dir().join(format!("exum-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut failures = Vec::new();
    let mut actual_outputs = Vec::new();
    for step in &steps {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} 2>&1",
                step.command.replace(README_ADDRESS, &address)
            ))
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).replace(&address, README_ADDRESS);
        let actual: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        // A helper script that crashed is never a README output worth keeping, even when
        // UPDATE_README would happily record it.
        assert!(
            !text.contains("Traceback (most recent call last)"),
            "$ {}\ncrashed:\n{text}",
            step.command
        );
        let expected: Vec<String> = step.expected.iter().map(|l| mask(l.trim_end())).collect();
        if actual.iter().map(|l| mask(l)).collect::<Vec<_>>() != expected {
            failures.push(format!(
                "$ {}\n--- README (line {}) ---\n{}\n--- actual ---\n{}",
                step.command,
                step.lines.start + 1,
                step.expected.join("\n"),
                actual.join("\n")
            ));
        }
        actual_outputs.push(actual);
    }
    let _ = std::fs::remove_dir_all(&dir);

    if std::env::var_os("UPDATE_README").is_some() {
        let mut lines: Vec<String> = readme.lines().map(str::to_string).collect();
        for (step, actual) in steps.iter().zip(actual_outputs).rev() {
            lines.splice(step.lines.clone(), actual);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        failures.is_empty(),
        "{} README command(s) print something else:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_rust_example_in_the_readme_is_the_one_compiled_in_tests_readme_rust() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## Use from Rust tests")
        .nth(1)
        .expect("the README has the section");
    let shown = section
        .split("```rust\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let tested = std::fs::read_to_string(root.join("tests/readme_rust.rs")).unwrap();
    let tested = tested
        .split("// ---- README example below ----\n")
        .nth(1)
        .unwrap();
    assert_eq!(
        shown.trim(),
        tested.trim(),
        "README.md and tests/readme_rust.rs differ"
    );
}
