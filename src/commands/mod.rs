//! One file per subcommand. Each takes parsed arguments and returns an [`AppError`](crate::app_error::AppError) on failure.

mod grade;
mod lesson;
mod lessons;
mod output;
mod replay;
mod run;
mod scenarios;
mod shared_writer;
mod trace;
mod watch;

pub use grade::grade;
pub use lesson::lesson;
pub use lessons::lessons;
pub use output::{OutputTarget, Style};
pub use replay::replay;
pub use run::run;
pub use scenarios::scenarios;
pub use trace::{trace, trace_failure_status, EXIT_TIMED_OUT, EXIT_TRACE_FAILED};
pub use watch::watch;
