//! One file per subcommand. Each takes parsed arguments and returns an [`AppError`](crate::app_error::AppError) on failure.

mod grade;
mod output;
mod replay;
mod run;
mod scenarios;

pub use grade::grade;
pub use output::{OutputTarget, Style};
pub use replay::replay;
pub use run::run;
pub use scenarios::scenarios;
