//! Supervising a learner's command: started in its own process group, handed the terminal, and
//! stopped for sure, together with everything it started, when it ends, times out, or the user stops socklab.
//!
//! `socklab trace` uses it. Everything here is single-threaded on purpose: trace enters its private
//! network namespace first, and CLONE_NEWUSER refuses a multi-threaded process.

mod child;
mod error;
mod stop_signal;
mod terminal;

pub use child::{display_command, reap_descendants, CommandOutput, Ending, Reaped, Supervised};
pub use error::SuperviseError;
pub use stop_signal::{signal_name, StopSignals};
