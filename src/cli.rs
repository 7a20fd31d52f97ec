//! Command-line interface: what the user can type, and the help that teaches it.

use crate::lang::Lang;
use crate::render::ColorChoice;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

const AFTER_HELP: &str = "\
Examples:
  socklab scenarios                          list the built-in exchanges
  socklab run tcp-handshake                  connect, send, reply, close: every packet explained
  socklab run udp-echo --format json         the same timeline as JSON Lines
  socklab run tcp-handshake --format html > h.html   a page to step through, packet by packet
  socklab replay capture.pcapng --format svg > c.svg   the sequence diagram as a picture
  socklab run tcp-teardown-4 --write out.pcapng   keep the capture (opens in Wireshark)
  sudo socklab run tcp-handshake --host-net  on the host's lo, visible to Wireshark too
  socklab replay capture.pcapng              explain a capture file (no privileges needed)
  socklab trace -- python3 echo.py           run your own program, then explain its packets
  sudo socklab watch --port 5000             explain live what your programs do on the host's lo
  socklab lessons                            list the lessons
  socklab lesson handshake                   run a lesson: narration, calls and the ladder, step by step
  socklab lesson handshake --step            one event at a time (Enter, b, ?, q)
  socklab lesson handshake --quiz --lang zh-CN   questions answered from the run's own capture
  socklab grade tcp-client -- python3 client.py   grade a student's program on the wire
  socklab grade tcp-client --batch submissions/   grade one folder per student, in parallel

Exit codes:
  0  success
  1  the exchange or the capture file went wrong (the message says where)
  2  the command line is wrong
  3  live capture or the private network is not permitted (the message names the cause and the fix)
  4  an input or output file could not be read or written
  (trace exits with its command's own status instead: see socklab trace --help)";

const WATCH_AFTER_HELP: &str = "\
Example, with three terminals:
  1$ sudo socklab watch --port 5000
  2$ python3 tcp_server.py          (listens on port 5000)
  3$ python3 tcp_client.py          (connects to port 5000)
  then Ctrl-C in terminal 1 for the summary.

Privileges: watch captures the host's own lo, so it needs CAP_NET_RAW: run it with sudo,
or once: sudo setcap cap_net_raw+ep $(command -v socklab)
Without privileges, start your server and client from one script, and run
  socklab trace -- sh script.sh";

const TRACE_AFTER_HELP: &str = "\
Examples:
  socklab trace -- python3 echo_server_and_client.py
  socklab trace --timeout 10 -- sh -c 'python3 server.py & sleep 0.5; python3 client.py'
  socklab trace --write echo.pcapng -- ./my_program

What you see: first the command's own output, as it runs (stdin, stdout and stderr are the
terminal's, and Ctrl-C goes to the command, as without socklab); then, once it has ended,
the explanation of every packet it sent on loopback, and how it ended. With any other
--format (json, svg, ...), the command's stdout goes to stderr, so that stdout holds only
socklab's document: `socklab trace --format json -- prog | jq` works. In JSON, the last
`call` record (actor \"command\") carries the exit status.

Its network is private: only lo, and only the command's own packets. A server it starts is
not reachable from other terminals, so start server and client from the one command (a
script). To explain programs started elsewhere, use socklab watch.

When the command ends, is stopped by --timeout, or socklab gets Ctrl-C or SIGTERM, socklab
kills its whole process group, and anything it started that left the group.

Exit status: the command's own (killed by signal N: 128+N, as in a shell), except:
  124  --timeout ran out and socklab killed the command
  125  socklab itself failed (the message says why)
  126  the command was found but could not be executed
  127  the command was not found
  130  socklab received Ctrl-C (SIGINT) and killed the command (143 for SIGTERM)";

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
    /// Explain, live, what your own programs do on the host's lo, until Ctrl-C.
    ///
    /// Start it in one terminal, then your server and your client in two others: each packet they
    /// exchange is explained as it happens (handshake, data, teardown, RST, UDP datagrams and their
    /// 8-byte header, ICMP port unreachable). Ctrl-C stops watching and prints a summary of each
    /// connection: its history, the states both ends went through, the bytes each way, and whether
    /// it closed cleanly. Needs CAP_NET_RAW on the host.
    #[command(after_help = WATCH_AFTER_HELP)]
    Watch(WatchArgs),
    /// Run your own program in a private network, then explain every packet it sent. No privileges needed.
    ///
    /// The command runs in a fresh network namespace (a private lo, nothing else), so the capture
    /// holds its packets and nobody else's, and it needs no privileges where the kernel allows
    /// unprivileged user namespaces (most Linux systems).
    #[command(
        after_help = TRACE_AFTER_HELP,
        override_usage = "socklab trace [OPTIONS] -- <CMD> [ARGS]..."
    )]
    Trace(TraceArgs),
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
    /// Grade a student's socket program on what it put on the wire.
    ///
    /// socklab plays the exercise's peer (a server, a client or a UDP peer) on 127.0.0.1, runs the
    /// submission in a private network namespace as an unprivileged user (never root), with resource
    /// limits, a read-only file system except its working folder, and capped output, captures lo, and
    /// checks every criterion of the exercise on the analysed capture. Every lost point names the
    /// criterion, the packets, expected against got, and the fix.
    ///
    /// Exit codes of grade: 0 full marks, 1 points were lost, 2 the grading itself could not run.
    #[command(after_help = GRADE_AFTER_HELP)]
    Grade(GradeArgs),
}

const GRADE_AFTER_HELP: &str = "\
Examples:
  socklab grade --list                                   the built-in exercises
  socklab grade tcp-client -- python3 client.py          run and grade one program
  socklab grade tcp-client --gradescope results.json -- python3 client.py
  socklab grade tcp-client --pcap capture.pcapng         grade a student's own capture
  socklab grade tcp-client --batch submissions/ -- python3 client.py
                                                         one folder per student, in parallel;
                                                         reports and summary.csv in ./socklab-grades
  socklab grade my-exercise.toml -- ./server {port}      an exercise file of your own

The submission learns the port from $SOCKLAB_PORT (or {port} in the command, or a fixed port, as the
exercise says). Files named in the command (or the --dir folder) are copied into its working folder.";

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The exercise: a built-in name (see --list) or an exercise file (.toml).
    #[arg(required_unless_present = "list")]
    pub exercise: Option<String>,

    /// The submission's command, after `--`. `{port}` in it is replaced by the exercise's port.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    /// Grade this capture file (pcap or pcapng) instead of running a program. Needs no privileges.
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub pcap: Option<PathBuf>,

    /// Grade every folder inside DIR (one per student), each in its own sandbox, in parallel.
    #[arg(long, value_name = "DIR")]
    pub batch: Option<PathBuf>,

    /// Copy this folder into the submission's working folder (default: the files named in the command).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["batch", "pcap"])]
    pub dir: Option<PathBuf>,

    /// With --pcap: the port the capture used for the exercise (default: the exercise's port).
    #[arg(long)]
    pub port: Option<u16>,

    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = GradeFormat::Text)]
    pub format: GradeFormat,

    /// Also write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write Gradescope's results.json to FILE.
    #[arg(long, value_name = "FILE")]
    pub gradescope: Option<PathBuf>,

    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Save the run's capture to FILE (pcapng, with each packet's explanation as a comment).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["batch", "pcap"])]
    pub write: Option<PathBuf>,

    /// With --batch: the folder for the reports and the summary (default: ./socklab-grades).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --batch: how many submissions are graded at the same time (default: 4 per CPU, since a
    /// grading mostly waits for the submission).
    #[arg(long, default_value_t = crate::grade::default_jobs(), value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Leave the ladder diagram out of the terminal report.
    #[arg(long)]
    pub no_ladder: bool,

    /// List the built-in exercises.
    #[arg(long)]
    pub list: bool,

    /// Width of the ladder in columns (default: the terminal's, or 100).
    #[arg(long)]
    pub width: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GradeFormat {
    /// ✓/✗ per criterion with points, expected against got, packets and fix, and the ladder.
    Text,
    /// The full report as JSON.
    Json,
    /// Gradescope's results.json.
    Gradescope,
    /// JUnit XML.
    Junit,
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
pub struct WatchArgs {
    /// Show only packets to or from PORT (at either end). Repeat it, or list several: --port 5000 5001.
    /// Without it, every packet on the interface is shown.
    #[arg(long = "port", value_name = "PORT", num_args = 1.., action = ArgAction::Append)]
    pub ports: Vec<u16>,

    /// The interface to capture on.
    #[arg(long, value_name = "NAME", default_value = "lo")]
    pub iface: String,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Kill the command (and everything it started) if it still runs after SECS seconds
    /// (decimals allowed: 0.5). socklab then exits with status 124.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// The command to run and its arguments. Put them after `--`, so that their options are not
    /// taken for socklab's.
    #[arg(
        value_name = "CMD",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("the timeout must be more than 0 seconds".to_string());
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text} seconds is too long"))
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// How to show the timeline: a ladder diagram for people, JSON Lines for programs, or a picture
    /// (svg, html, mermaid, stevens) written to standard output once the run is over.
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
    /// An SVG sequence diagram: one lifeline per endpoint, one sloped arrow per packet, coloured by
    /// meaning, with steps, states and socket calls (for slides and reports).
    Svg,
    /// One self-contained HTML page: the narration, the diagram, a packet table; click a packet to
    /// see its layers and fields, and step through the exchange one packet at a time.
    Html,
    /// A Mermaid sequenceDiagram, for Markdown on GitHub and in course notes.
    Mermaid,
    /// A time-sequence graph (Stevens graph) of the busiest TCP connection as SVG: sequence numbers
    /// against time, with the ACK and receive-window lines, as tcptrace draws them.
    Stevens,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("socklab").chain(args.iter().copied()))
    }

    #[test]
    fn trace_takes_everything_after_the_double_dash_as_the_command() {
        let cli = parse(&[
            "trace",
            "--timeout",
            "1.5",
            "--",
            "python3",
            "-u",
            "x.py",
            "--port",
            "5",
        ])
        .unwrap();
        let Command::Trace(args) = cli.command else {
            panic!("not trace");
        };
        assert_eq!(args.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(args.command, ["python3", "-u", "x.py", "--port", "5"]);
        assert!(parse(&["trace"]).is_err(), "a command is required");
        assert!(parse(&["trace", "--timeout", "0", "--", "true"]).is_err());
        assert!(parse(&["trace", "--timeout", "soon", "--", "true"]).is_err());
    }

    #[test]
    fn watch_accepts_ports_repeated_or_listed() {
        for args in [
            &["watch", "--port", "5000", "--port", "5001"][..],
            &["watch", "--port", "5000", "5001"][..],
        ] {
            let Command::Watch(watch) = parse(args).unwrap().command else {
                panic!("not watch");
            };
            assert_eq!(watch.ports, [5000, 5001]);
            assert_eq!(watch.iface, "lo");
        }
        assert!(parse(&["watch", "--port", "70000"]).is_err());
    }
}
