//! Every way a command can fail, and the exit code each one maps to (documented in `socklab --help`).

use crate::capture::CaptureError;
use crate::sandbox::SandboxError;
use crate::scenario::ScenarioError;
use crate::supervise::SuperviseError;
use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// Boxed: a scenario error carries the expected and the seen packets, and would bloat every `Result`.
    #[error(transparent)]
    Scenario(Box<ScenarioError>),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
    #[error(transparent)]
    Supervise(#[from] SuperviseError),
    /// An error plus advice that depends on the command (watch: how to do without privileges).
    #[error("{source}\n{advice}")]
    Advised {
        source: Box<AppError>,
        advice: &'static str,
    },
}

impl From<ScenarioError> for AppError {
    fn from(error: ScenarioError) -> Self {
        AppError::Scenario(Box::new(error))
    }
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_NO_PERMISSION: i32 = 3;
pub const EXIT_IO: i32 = 4;

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Capture(error) => capture_exit_code(error),
            AppError::Scenario(error) => match error.as_ref() {
                ScenarioError::Capture(capture) => capture_exit_code(capture),
                _ => EXIT_FAILED,
            },
            AppError::Sandbox(SandboxError::Multithreaded { .. }) => EXIT_FAILED,
            AppError::Sandbox(_) => EXIT_NO_PERMISSION,
            AppError::WriteFile { .. } | AppError::Output(_) => EXIT_IO,
            AppError::Supervise(error) => error.shell_status().map_or(EXIT_FAILED, i32::from),
            AppError::Advised { source, .. } => source.exit_code(),
        }
    }

    /// A reader that closed the pipe early (`socklab replay big.pcap | head`) is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, AppError::Output(error) if error.kind() == io::ErrorKind::BrokenPipe)
    }
}

fn capture_exit_code(error: &CaptureError) -> i32 {
    match error {
        CaptureError::PermissionDenied { .. } => EXIT_NO_PERMISSION,
        CaptureError::Io { .. } => EXIT_IO,
        _ => EXIT_FAILED,
    }
}
