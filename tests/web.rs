//! The web viewer end to end: installs `web/`'s npm packages if they are missing or stale, builds
//! the viewer, and runs its tests (`node --test web/test/`: headless Debian Chromium driven by
//! playwright-core against this build's `clew serve` on the small demo world, and the
//! neighbourhood answer loaded into Cytoscape.js and graphology).
//!
//! Chromium, Node.js and npm are requirements, not options: without them this test fails and
//! says what to install, so that a machine lacking them cannot pass CI by skipping the viewer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian's Chromium lives (`CHROMIUM` overrides).
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Runs a command in `dir`, failing the test with everything it printed when it fails.
fn run(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().unwrap_or_else(|err| {
        panic!("cannot run `{program}` ({err}): the web viewer's tests need Node.js 20 or later with npm on PATH")
    });
    if !output.status.success() {
        panic!(
            "`{program} {}` in {} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
            args.join(" "),
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// Whether `web/node_modules` is missing or older than `package-lock.json` (npm records what it
/// installed in `node_modules/.package-lock.json`).
fn node_modules_stale(web: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(web.join("package-lock.json")), modified(web.join("node_modules/.package-lock.json"))) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    }
}

#[test]
fn web_viewer_in_a_real_browser() {
    let chromium = chromium();
    assert!(
        chromium.is_file(),
        "{} is missing: the web viewer's browser tests need Debian's Chromium. Install it with \
         `apt-get install chromium` (or point CHROMIUM at a Chromium binary).",
        chromium.display()
    );
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    if node_modules_stale(&web) {
        run(&web, "npm", &["ci", "--no-audit", "--no-fund"], &[]);
    }
    run(&web, "npm", &["run", "build"], &[]);
    let clew = Path::new(env!("CARGO_BIN_EXE_clew"));
    let output = run(&web, "node", &["--test", "test/"], &[("CLEW_BIN", clew), ("CHROMIUM", &chromium)]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("# fail 0"), "the browser tests reported failures:\n{report}");
    assert!(!report.contains("# pass 0"), "the browser tests ran nothing:\n{report}");
}
