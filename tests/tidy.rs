//! Conventions the compiler does not check: every Rust file opens with a `//!` line saying what
//! it is for, and no test is switched off with `#[ignore]` or hidden behind `#[should_panic]`.
//! Failures name the file, the line and the rule.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "dist") {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn project_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "graph-schema", "loaders", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "found only {} Rust files under {}", files.len(), root.display());
    files
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let mut problems = Vec::new();
    for file in project_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            problems.push(format!(
                "{}:1: the file must open with a `//!` line saying what it is for (STYLE.md §2)",
                file.display()
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_test_is_switched_off() {
    let mut problems = Vec::new();
    let ignore = ["#[", "ignore]"].concat();
    let should_panic = ["#[", "should_panic"].concat();
    for file in project_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with(&ignore) || line.starts_with(&should_panic) {
                problems.push(format!(
                    "{}:{}: assert the Err instead of `{}` (STYLE.md §5)",
                    file.display(),
                    i + 1,
                    line
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
