//! One fixture owns everything a CLI test depends on: the binary, a private temp folder, and a clean
//! environment (no colour, English, fixed width), so tests cannot leak into each other.

#![allow(dead_code)]

pub mod grading;
pub mod lessons;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Socklab {
    temp: tempfile::TempDir,
}

impl Socklab {
    pub fn new() -> Self {
        Socklab {
            temp: tempfile::tempdir().expect("create a temp folder"),
        }
    }

    pub fn temp(&self) -> &Path {
        self.temp.path()
    }

    /// The socklab binary with a clean environment and the temp folder as its working folder.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
        command
            .current_dir(self.temp.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
        command
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command().args(args).output().expect("start socklab"))
    }
}

pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Outcome {
    fn from(output: Output) -> Self {
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Outcome {
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The tcpdump corpus beside the repository, if present.
pub fn shared_pcaps() -> Option<PathBuf> {
    let dir = repo_path("../shared/pcaps");
    if dir.is_dir() {
        Some(dir)
    } else {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {} is absent, so the tcpdump corpus was not replayed",
                dir.display()
            );
        }
        None
    }
}

pub fn have_tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .map(|output| output.status.success())
        .unwrap_or(false);
    if !found {
        {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {name} is not installed, so the comparison with it did not run"
            );
        }
    }
    found
}
