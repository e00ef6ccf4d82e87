//! Every relative link of the docs reaches a file, and a heading when it names one: pages
//! moved or renamed leave no link behind.

use std::path::Path;

use super::{doc_files, root};

/// The lines of a Markdown file outside fenced code blocks, numbered from 1.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut in_fence = false;
    let mut prose = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            prose.push((n + 1, line));
        }
    }
    prose
}

/// The anchors GitHub gives a file's headings: lower case, letters, digits, `-` and `_` kept,
/// spaces made `-`, everything else dropped; a repeated one gets `-1`, `-2`, ….
fn anchors(text: &str) -> Vec<String> {
    let mut anchors = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    for (_, line) in prose_lines(text) {
        let Some(title) = line.trim_start_matches('#').strip_prefix(' ') else {
            continue;
        };
        if !line.starts_with('#') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let repeats = slugs.iter().filter(|s| **s == slug).count();
        anchors.push(if repeats == 0 {
            slug.clone()
        } else {
            format!("{slug}-{repeats}")
        });
        slugs.push(slug);
    }
    anchors
}

/// The `](target)` link targets of one line, code spans left out.
fn link_targets(line: &str) -> Vec<String> {
    let prose: String = line
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect::<Vec<_>>()
        .join(" ");
    prose
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

/// What is wrong with one relative link of `file` (a path from the root), if anything.
fn broken(file: &str, target: &str) -> Option<String> {
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let here = Path::new(file).parent().unwrap_or(Path::new(""));
    let resolved = if path.is_empty() {
        root().join(file)
    } else {
        root().join(here).join(path)
    };
    if !resolved.exists() {
        return Some(format!("{target}: no such file"));
    }
    if anchor.is_empty() || resolved.extension().is_none_or(|ext| ext != "md") {
        return None;
    }
    let text = std::fs::read_to_string(&resolved).unwrap();
    (!anchors(&text).iter().any(|a| a == anchor)).then(|| format!("{target}: no such heading"))
}

#[test]
fn every_relative_link_of_the_docs_reaches_a_file_and_heading() {
    let mut problems = Vec::new();
    let mut checked = 0;

    for file in doc_files() {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        for (n, line) in prose_lines(&text) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                if let Some(problem) = broken(&file, &target) {
                    problems.push(format!("{file}:{n}: {problem}"));
                }
            }
        }
    }

    assert!(checked >= 30, "only {checked} relative links found");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_link_check_finds_a_missing_file_and_a_missing_heading() {
    assert_eq!(
        link_targets("see [a](docs/a.md#x \"t\") and `[b](c)` and ![i](i.png)"),
        ["docs/a.md#x", "i.png"]
    );
    assert_eq!(
        anchors("# Reload on change: `--watch`\n```\n# not a heading\n```\n## A b\n## A b"),
        ["reload-on-change---watch", "a-b", "a-b-1"]
    );
    assert_eq!(
        broken("README.md", "docs/no-such-page.md"),
        Some("docs/no-such-page.md: no such file".into())
    );
    assert_eq!(
        broken("README.md", "#no-such-heading"),
        Some("#no-such-heading: no such heading".into())
    );
    assert_eq!(
        broken("docs/library.md", "../examples/pin_reset_client.rs"),
        None
    );
}
