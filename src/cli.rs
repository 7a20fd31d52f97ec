//! Command-line interface: what the user can type, and the help that teaches it.

use crate::lang::Lang;
use crate::render::ColorChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  socklab scenarios                          list the built-in exchanges
  socklab run tcp-handshake                  connect, send, reply, close: every packet explained
  socklab run udp-echo --format json         the same timeline as JSON Lines
  socklab run tcp-teardown-4 --write out.pcapng   keep the capture (opens in Wireshark)
  sudo socklab run tcp-handshake --host-net  on the host's lo, visible to Wireshark too
  socklab replay capture.pcapng              explain a capture file (no privileges needed)
  socklab lessons                            list the lessons
  socklab lesson handshake                   run a lesson: narration, calls and the ladder, step by step
  socklab lesson handshake --step            one event at a time (Enter, b, ?, q)
  socklab lesson handshake --quiz --lang zh-CN   questions answered from the run's own capture

Exit codes:
  0  success
  1  the exchange or the capture file went wrong (the message says where)
  2  the command line is wrong
  3  live capture or the private network is not permitted (the message names the cause and the fix)
  4  an input or output file could not be read or written";

/// socklab: see what your socket calls put on the wire.
///
/// socklab performs real TCP and UDP exchanges on the loopback interface, captures every packet,
/// and explains it: the three steps of the handshake, the four steps of the teardown, what each
/// socket call (listen, connect, accept, send, recv, close, shutdown, sendto, recvfrom) caused,
/// and how big each header is.
///
/// Privileges: each `run` happens in its own private network (a fresh network namespace with only
/// `lo`), which needs no privileges where the kernel allows unprivileged user namespaces. Capturing
/// on the host's own lo (`--host-net`) needs CAP_NET_RAW. `replay` needs nothing.
#[derive(Debug, Parser)]
#[command(name = "socklab", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Language of the explanations (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Perform a built-in exchange with real sockets on loopback and explain every packet.
    ///
    /// The run is step-locked: after each socket call socklab waits until the packets that call
    /// causes have been captured, so the timeline always reads in the same order.
    ///
    /// Each run happens in its own private network (a fresh network namespace with only `lo`),
    /// which needs no privileges where the kernel allows unprivileged user namespaces. With
    /// --host-net it uses the host's lo instead, which needs CAP_NET_RAW.
    Run(RunArgs),
    /// List the built-in scenarios, one line each.
    Scenarios,
    /// List the lessons: id, level, title and concepts, in the chosen language.
    Lessons,
    /// Run a lesson and walk through it: narration, socket calls, the ladder growing, the questions.
    ///
    /// A lesson (lessons/*.toml) is a script of socket calls, each with the packets it must cause. It
    /// runs step-locked on real sockets in a private network, and its walkthrough is the same on every
    /// run: endpoints are named (client:ephemeral, server:echo) and packets show the step that caused
    /// them instead of a time. Every quiz answer is computed from the run's own capture.
    Lesson(LessonArgs),
    /// Explain the packets of a pcap or pcapng file. Needs no privileges.
    ///
    /// Reads Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback captures, streaming,
    /// so files of any size work. Use `-` to read standard input.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario to perform (see `socklab scenarios`).
    pub scenario: String,

    /// Use IPv6 on ::1 instead of IPv4 on 127.0.0.1.
    #[arg(long)]
    pub ipv6: bool,

    /// Run on the host's own lo instead of a private network, so Wireshark or tcpdump can watch
    /// at the same time. Needs CAP_NET_RAW (root, or setcap cap_net_raw+ep on the binary).
    #[arg(long)]
    pub host_net: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct LessonArgs {
    /// The lesson's id (see `socklab lessons`), or the path of a lesson file.
    pub lesson: String,

    /// Interactive: Enter shows the next event, b goes back one, ? explains every field of the
    /// current packet layer by layer, q quits. Reads commands line by line, so piped input works too.
    #[arg(long)]
    pub step: bool,

    /// After the walkthrough, ask the lesson's questions (one answer per line on standard input),
    /// say whether each answer is right and why, and print a score.
    #[arg(long)]
    pub quiz: bool,

    /// Run on the host's own lo instead of a private network (needs CAP_NET_RAW).
    #[arg(long)]
    pub host_net: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The capture file (pcap or pcapng), or `-` for standard input.
    pub file: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// How to show the timeline: a ladder diagram for people, or JSON Lines for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also save the captured packets to FILE: pcapng (with each packet's explanation as a
    /// packet comment, shown by Wireshark), or legacy pcap if FILE ends in .pcap.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// Width of the ladder in columns (default: the terminal's, or 100).
    #[arg(long)]
    pub width: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A ladder diagram: client column, server column, one arrow per packet.
    Text,
    /// JSON Lines, one record per call or packet (schema: docs/json-schema.md).
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
