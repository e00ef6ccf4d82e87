//! Rules of the codebase checked by a test instead of by review (rust-analyzer's `tidy` is the
//! model), over the files themselves:
//!
//! - the layers: non-test code in a layer names no later layer (`crate::later::…`), and no two
//!   modules of a layer import each other, directly or round a longer loop;
//! - no references to sections of documents a user of the crate does not have: code, comments
//!   and what the server sends say the rule itself.
//!
//! Each rule is a function over text, so the tests at the end show it flags a planted line.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, each using only the ones before it (ARCHITECTURE.md's table); `main.rs` is on
/// top, outside the library.
const LAYERS: [&str; 11] = [
    "error",
    "vocab",
    "auth",
    "domain",
    "soap",
    "fixtures",
    "operations",
    "state",
    "service",
    "double",
    "server",
];

/// A module path below the crate root, such as `["service", "admin", "routes"]`.
type Module = Vec<String>;

// ---------------------------------------------------------------------------------------------
// Reading Rust source, just enough for paths.

/// `text` with comments and the insides of string and character literals blanked (line breaks
/// kept), so that what is left is code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            j += 1;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while j < chars.len() && !chars[j..].starts_with(&closing) {
                out.push(blank(chars[j]));
                j += 1;
            }
            out.push('"');
            i = (j + closing.len()).min(chars.len());
            for _ in 0..hashes + 1 {
                out.push(' ');
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\''); a lifetime has no closing quote.
            let mut j = i + 1;
            if chars.get(j) == Some(&'\\') {
                j += 2;
            } else {
                j += 1;
            }
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            for _ in i..=j.min(chars.len() - 1) {
                out.push(' ');
            }
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether a `cfg` predicate holds only in tests: `test`, or `all(…)` with `test` among its
/// arguments.
fn test_only(predicate: &str) -> bool {
    let predicate: String = predicate.chars().filter(|c| !c.is_whitespace()).collect();
    if predicate == "test" {
        return true;
    }
    let Some(inner) = predicate
        .strip_prefix("all(")
        .and_then(|p| p.strip_suffix(')'))
    else {
        return false;
    };
    // The top-level arguments of `all(…)`.
    let mut depth = 0;
    let mut start = 0;
    let mut arguments = Vec::new();
    for (at, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                arguments.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    arguments.push(&inner[start..]);
    arguments.contains(&"test")
}

/// `code` (from [`code_only`]) with every item marked test-only (`#[cfg(test)]`,
/// `#[cfg(all(test, …))]`) blanked, and the names of the `mod name;` declarations that were not.
fn without_tests(code: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = code.chars().collect();
    let opening: Vec<char> = "#[cfg(".chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i..].starts_with(&opening) {
            i += 1;
            continue;
        }
        // The predicate runs to the parenthesis that closes `cfg(`.
        let mut j = i + opening.len();
        let mut depth = 1;
        while j < chars.len() && depth > 0 {
            match chars[j] {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let predicate: String = chars[i + opening.len()..j.saturating_sub(1)]
            .iter()
            .collect();
        if !test_only(&predicate) {
            i = j;
            continue;
        }
        // The item ends at its first `;` outside braces, or at the brace that closes its
        // first `{`.
        let mut depth = 0;
        while j < chars.len() {
            match chars[j] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        for c in out.iter_mut().take((j + 1).min(chars.len())).skip(i) {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    let out: String = out.into_iter().collect();
    let mods = out
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub(super) mod "))
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            Some(rest.strip_suffix(';')?.trim().to_string())
        })
        .collect();
    (out, mods)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths a use tree starting at `text` names, each as its segments (`a::{b, c::d}` is
/// `[a, b]` and `[a, c, d]`); stops at the end of the tree.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    fn tree(chars: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let mut path: Vec<String> = prefix.to_vec();
        loop {
            while *i < chars.len() && chars[*i].is_whitespace() {
                *i += 1;
            }
            if chars.get(*i) == Some(&'{') {
                *i += 1;
                loop {
                    tree(chars, i, &path, out);
                    while *i < chars.len() && chars[*i].is_whitespace() {
                        *i += 1;
                    }
                    match chars.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            return;
                        }
                        _ => return,
                    }
                    while *i < chars.len() && chars[*i].is_whitespace() {
                        *i += 1;
                    }
                    if chars.get(*i) == Some(&'}') {
                        *i += 1;
                        return;
                    }
                }
            }
            let start = *i;
            while *i < chars.len() && is_ident(chars[*i]) {
                *i += 1;
            }
            let segment: String = chars[start..*i].iter().collect();
            if !segment.is_empty() && segment != "self" {
                path.push(segment);
            }
            if chars[*i..].starts_with(&[':', ':']) {
                *i += 2;
                continue;
            }
            // `as name`, `*`, `;`, `,`, `}` or anything else ends this path.
            while *i < chars.len() && !matches!(chars[*i], ',' | '}' | ';') {
                if chars[*i] == '\n' && path.len() > prefix.len() {
                    break;
                }
                *i += 1;
            }
            if path.len() > prefix.len() {
                out.push(path);
            }
            return;
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    tree(&chars, &mut 0, &[], &mut out);
    out
}

/// Every module path named in `code` by `crate::…` or `super::…` (resolved from `module`),
/// with the line it is on, as written (later truncated to a known module).
fn named_paths(module: &Module, code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("::") {
        // The start of the path the `::` belongs to.
        let before = &code[..at];
        let start = before
            .rfind(|c: char| !is_ident(c))
            .map(|p| p + 1)
            .unwrap_or(0);
        let head = &code[start..at];
        let preceded_by_path = code[..start].ends_with("::");
        if preceded_by_path || !(head == "crate" || head == "super") {
            continue;
        }
        // `super::super::x` is read once, from its first `super`.
        let mut base: Vec<String> = if head == "crate" {
            Vec::new()
        } else {
            // Module a::b (`a/b.rs` or `a/b/mod.rs`) has the parent a.
            module[..module.len().saturating_sub(1)].to_vec()
        };
        let mut rest = &code[at + 2..];
        while let Some(more) = rest.strip_prefix("super::") {
            base.pop();
            rest = more;
        }
        let line = code[..at].matches('\n').count() + 1;
        for path in use_tree(rest) {
            let mut full = base.clone();
            full.extend(path);
            out.push((line, full));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The crate's modules.

/// One module file of the library's non-test code: its path and its code.
struct Source {
    module: Module,
    file: PathBuf,
    code: String,
}

/// The library's modules that are compiled outside tests, from `lib.rs` along `mod x;`.
fn library(src: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut queue = vec![(Vec::new(), src.join("lib.rs"), true)];
    while let Some((module, file, is_dir_module)) = queue.pop() {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let (code, mods) = without_tests(&code_only(&text));
        let dir = if is_dir_module {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        for name in mods {
            let mut child = module.clone();
            child.push(name.clone());
            let flat = dir.join(format!("{name}.rs"));
            if flat.exists() {
                queue.push((child, flat, false));
            } else {
                queue.push((child, dir.join(&name).join("mod.rs"), true));
            }
        }
        out.push(Source { module, file, code });
    }
    out
}

/// A problem, as `file:line: what`.
type Finding = String;

/// The layer rule: a module names no later layer.
fn layer_findings(sources: &[Source]) -> Vec<Finding> {
    let rank = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut out = Vec::new();
    for source in sources {
        let Some(own) = source.module.first().and_then(|m| rank(m)) else {
            continue; // lib.rs: the table of contents re-exports every layer.
        };
        for (line, path) in named_paths(&source.module, &source.code) {
            let Some(first) = path.first() else { continue };
            match rank(first) {
                Some(other) if other > own => out.push(format!(
                    "{}:{line}: the {} layer names the later layer {first} (crate::{})",
                    source.file.display(),
                    LAYERS[own],
                    path.join("::")
                )),
                Some(_) => {}
                None => out.push(format!(
                    "{}:{line}: crate::{first} is not a layer; name the layer it lives in",
                    source.file.display()
                )),
            }
        }
    }
    out
}

/// The cycle rule: within each module, its children never import each other round a loop (an
/// import between a module and its own descendant is how Rust nests, and is allowed).
fn cycle_findings(sources: &[Source]) -> Vec<Finding> {
    let known: BTreeSet<&Module> = sources.iter().map(|s| &s.module).collect();
    // (parent, from child, to child) -> a file:line that shows it
    let mut edges: BTreeMap<(Module, String, String), String> = BTreeMap::new();
    for source in sources {
        for (line, mut path) in named_paths(&source.module, &source.code) {
            while !path.is_empty() && !known.contains(&path) {
                path.pop();
            }
            let common = source
                .module
                .iter()
                .zip(&path)
                .take_while(|(a, b)| a == b)
                .count();
            let (Some(from), Some(to)) = (source.module.get(common), path.get(common)) else {
                continue; // one is the other's ancestor
            };
            edges
                .entry((source.module[..common].to_vec(), from.clone(), to.clone()))
                .or_insert_with(|| format!("{}:{line}", source.file.display()));
        }
    }
    let mut out = Vec::new();
    for ((parent, from, to), at) in &edges {
        // Is there a way back from `to` to `from` among the same siblings?
        let mut seen = BTreeSet::new();
        let mut stack = vec![to.clone()];
        while let Some(node) = stack.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for ((p, f, t), _) in edges.range((parent.clone(), node.clone(), String::new())..) {
                if p != parent || f != &node {
                    break;
                }
                stack.push(t.clone());
            }
        }
        if seen.contains(from) {
            let scope = if parent.is_empty() {
                "crate".to_string()
            } else {
                parent.join("::")
            };
            out.push(format!(
                "{at}: {scope}::{from} imports {scope}::{to}, which imports it back (an import cycle)"
            ));
        }
    }
    out
}

/// References to sections of documents: the spec's sections, the house style's habits.
fn reference_findings(file: &str, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !(is_ident(c) || c == '\u{a7}'))
            .filter(|w| !w.is_empty())
            .collect();
        let numbered = |i: usize| {
            words
                .get(i)
                .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        };
        let mut found = line.contains('\u{a7}');
        for (i, word) in words.iter().enumerate() {
            found |= *word == "spec" && (numbered(i + 1) || words.get(i + 1) == Some(&"section"));
            found |= *word == "habit" && numbered(i + 1);
            found |= *word == "section"
                && numbered(i + 1)
                && words.get(i + 2) == Some(&"of")
                && words.get(i + 4) == Some(&"spec");
        }
        if found {
            out.push(format!(
                "{file}:{}: refers to a document section; say the rule itself: {}",
                n + 1,
                line.trim()
            ));
        }
    }
    out
}

/// Every file under `dir` (recursively) whose name ends in one of `extensions`, leaving out
/// what the test suites install there (`node_modules`, hidden folders such as a venv): other
/// people's code.
fn files(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name == "node_modules" || name.starts_with('.') {
                continue;
            }
            files(&path, extensions, out);
        } else if extensions
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
        {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_layer_names_a_later_one_and_no_modules_import_each_other() {
    let sources = library(&root().join("src"));
    assert!(sources.len() > 50, "read {} modules", sources.len());

    let mut findings = layer_findings(&sources);
    findings.extend(cycle_findings(&sources));

    assert!(findings.is_empty(), "\n{}", findings.join("\n"));
}

#[test]
fn no_file_refers_to_a_section_of_a_document_the_user_does_not_have() {
    let mut paths = Vec::new();
    for dir in ["src", "tests", "fixtures"] {
        files(
            &root().join(dir),
            &["rs", "js", "html", "css", "json"],
            &mut paths,
        );
    }
    let this = root().join("tests").join("tidy.rs");

    let findings: Vec<Finding> = paths
        .iter()
        .filter(|p| **p != this)
        .flat_map(|p| reference_findings(&p.display().to_string(), &fs::read_to_string(p).unwrap()))
        .collect();

    assert!(paths.len() > 100, "read {} files", paths.len());
    assert!(findings.is_empty(), "\n{}", findings.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The rules can fail: each flags a planted line.

fn source(module: &[&str], text: &str) -> Source {
    let (code, _) = without_tests(&code_only(text));
    Source {
        module: module.iter().map(|s| s.to_string()).collect(),
        file: PathBuf::from(format!("src/{}.rs", module.join("/"))),
        code,
    }
}

#[test]
fn a_lower_layer_naming_a_higher_one_is_flagged_but_not_in_comments_strings_or_tests() {
    let planted = source(
        &["domain", "mail"],
        "use crate::vocab::wire::WireRequest;\n\
         // crate::server::UmMockServer in a comment\n\
         const S: &str = \"crate::service::x\";\n\
         use crate::{error::Error, state::Shared};\n\
         #[cfg(test)]\nmod tests {\n    use crate::server::UmMockServer;\n}\n\
         #[cfg(all(test, not(feature = \"tls\")))]\nmod without {\n    use crate::server::UmMockServer;\n}\n\
         #[cfg(any(test, feature = \"x\"))]\nuse crate::server::Y;\n",
    );

    let findings = layer_findings(&[planted]);

    // The `any(test, …)` import is compiled outside tests too.
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings[0]
            .starts_with("src/domain/mail.rs:4: the domain layer names the later layer state"),
        "{findings:?}"
    );
    assert!(
        findings[1]
            .starts_with("src/domain/mail.rs:14: the domain layer names the later layer server"),
        "{findings:?}"
    );
}

#[test]
fn two_modules_of_a_layer_that_import_each_other_are_a_cycle() {
    let sources = [
        source(&["service"], "mod admin;\nmod router;\n"),
        source(&["service", "admin"], "use crate::service::router::Stop;\n"),
        source(&["service", "router"], "use super::{admin, endpoint};\n"),
        source(&["service", "endpoint"], "use super::admin::x;\n"),
    ];

    let findings = cycle_findings(&sources);

    // Every import on a loop: admin and router both ways, and admin, router, endpoint round.
    assert_eq!(findings.len(), 4, "{findings:?}");
    assert!(
        findings[0].contains("service::admin imports service::router"),
        "{findings:?}"
    );
}

#[test]
fn section_references_are_flagged_in_any_spelling() {
    let text = "a \u{a7}12 rule\nSPEC 11: b\nsee section 12 of the spec\nhabit 11 says\n\
                a section of the README\nthe spec says why\n";

    let findings = reference_findings("x.rs", text);

    let lines: Vec<&str> = findings
        .iter()
        .map(|f| f.split(':').nth(1).unwrap())
        .collect();
    assert_eq!(lines, ["1", "2", "3", "4"]);
}
