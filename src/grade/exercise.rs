//! An exercise file (lessons/exercises/*.toml): the statement, the role socklab plays, how the submission
//! learns its port, the time limit, and the criteria with their points.
//!
//! ```toml
//! title.en = "TCP client: say hello"
//! title.zh-CN = "TCP 客户端:打招呼"
//! statement.en = "Connect to 127.0.0.1 on the port in $SOCKLAB_PORT, send hello\\n, ..."
//! time_limit = 5                      # seconds, for the whole run
//!
//! [submission]
//! role = "client"                     # the submission's role: client or server
//! port = "env"                        # env ($SOCKLAB_PORT), arg ({port} in the command) or fixed
//! command = ["python3", "client.py"]  # used by --batch when no command is given
//!
//! [peer]
//! kind = "tcp-server"                 # what socklab plays: tcp-server, tcp-client or udp
//! steps = ["accept", "recv line", 'send "hello, client\n"', "recv eof", "close"]
//!
//! [[criteria]]
//! check = "payload"
//! equals = "hello\n"
//! points = 3
//! hint.en = "Send exactly the six bytes hello\\n."
//! ```
//!
//! Every mistake in the file is reported as `file:line:col: message`; nothing in a file can panic.

use super::catalog;
use super::criterion::{Check, CountRange, Criterion, Matcher, Side};
use super::localized::Localized;
use super::location::FileError;
use super::step::Step;
use crate::analysis::Role;
use regex::Regex;
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// The port used when the exercise does not name one. Every run has its own network, so it never collides.
pub const DEFAULT_PORT: u16 = 5000;
pub const DEFAULT_PORT_ENV: &str = "SOCKLAB_PORT";
const MAX_TIME_LIMIT: f64 = 300.0;
const MIN_TIME_LIMIT: f64 = 0.5;
const DEFAULT_STEP_TIMEOUT: f64 = 2.0;
const DEFAULT_EXIT_GRACE: f64 = 1.0;

#[derive(Clone, Debug)]
pub struct Exercise {
    /// The file's stem: "tcp-client".
    pub id: String,
    /// Where it was read from, for messages.
    pub source: String,
    pub title: Localized,
    pub statement: Localized,
    /// The whole run, from starting the submission to the end of socklab's script.
    pub time_limit: Duration,
    /// How long one step of socklab's script waits for the submission.
    pub step_timeout: Duration,
    pub submission: SubmissionSpec,
    pub peer: PeerSpec,
    pub criteria: Vec<Criterion>,
}

#[derive(Clone, Debug)]
pub struct SubmissionSpec {
    /// The submission's role on the wire: the client opens the connection (or sends first).
    pub role: Role,
    pub port_passing: PortPassing,
    pub port: u16,
    /// The command for `--batch` when none is given on the command line.
    pub command: Vec<String>,
    /// Fed to the submission's standard input (`{port}` is replaced); otherwise /dev/null.
    pub stdin: Option<String>,
    /// After socklab's script: wait (up to `exit_grace`) for the submission to exit on its own.
    pub wait_exit: bool,
    pub exit_grace: Duration,
}

/// How the submission learns the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortPassing {
    /// In an environment variable.
    Env(String),
    /// As `{port}` in the command's arguments.
    Arg,
    /// Written into the exercise statement; the submission hard-codes it.
    Fixed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    TcpServer,
    TcpClient,
    Udp,
}

/// Something socklab does before starting the submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prepare {
    /// Leave the exercise's port in TIME-WAIT, as a server that just restarted finds it.
    TimeWait,
}

#[derive(Clone, Debug)]
pub struct PeerSpec {
    pub kind: PeerKind,
    pub prepare: Option<Prepare>,
    pub steps: Vec<Step>,
}

impl Exercise {
    pub fn max_points(&self) -> u32 {
        self.criteria.iter().map(|criterion| criterion.points).sum()
    }

    pub fn is_udp(&self) -> bool {
        self.peer.kind == PeerKind::Udp
    }

    /// A built-in exercise by name ("tcp-client"), or a file by path ("my/exercise.toml").
    pub fn find(name_or_path: &str) -> Result<Exercise, ExerciseError> {
        if let Some(text) = catalog::builtin(name_or_path) {
            let source = format!("lessons/exercises/{name_or_path}.toml");
            return Exercise::parse(name_or_path, &source, text).map_err(ExerciseError::Invalid);
        }
        let path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || path.components().count() > 1 || path.exists() {
            return Exercise::load(path);
        }
        Err(ExerciseError::Unknown {
            name: name_or_path.to_string(),
            available: catalog::names().join(", "),
        })
    }

    pub fn load(path: &Path) -> Result<Exercise, ExerciseError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExerciseError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let id = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "exercise".to_string());
        Exercise::parse(&id, &path.display().to_string(), &text).map_err(ExerciseError::Invalid)
    }

    /// Reads an exercise from TOML text; `source` names the file in error messages.
    pub fn parse(id: &str, source: &str, text: &str) -> Result<Exercise, FileError> {
        let raw: RawExercise = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            FileError::at(source, text, offset, error.message().trim_end().to_string())
        })?;
        let at =
            |span: Range<usize>, message: String| FileError::at_span(source, text, span, message);
        raw.build(id, source, text, &at)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    #[error(
        "no built-in exercise named {name:?} (and no such file); built-in exercises: {available}"
    )]
    Unknown { name: String, available: String },
    #[error("cannot read the exercise {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(FileError),
}

// ----- The file as written; turned into an `Exercise` by `build`, which checks every value. -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    title: Localized,
    statement: Localized,
    time_limit: Spanned<toml::Value>,
    step_timeout: Option<Spanned<toml::Value>>,
    submission: RawSubmission,
    peer: RawPeer,
    criteria: Spanned<Vec<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubmission {
    role: Spanned<String>,
    port: Option<Spanned<String>>,
    port_env: Option<Spanned<String>>,
    port_number: Option<Spanned<i64>>,
    command: Option<Spanned<Vec<String>>>,
    stdin: Option<String>,
    wait_exit: Option<bool>,
    exit_grace: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeer {
    kind: Spanned<String>,
    prepare: Option<Spanned<String>>,
    steps: Spanned<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    check: Spanned<String>,
    points: Spanned<i64>,
    name: Option<Localized>,
    hint: Option<Localized>,
    from: Option<Spanned<String>>,
    equals: Option<Spanned<String>>,
    contains: Option<Spanned<String>>,
    connection: Option<Spanned<i64>>,
    datagram: Option<Spanned<i64>>,
    count: Option<Spanned<i64>>,
    min: Option<Spanned<i64>>,
    max: Option<Spanned<i64>>,
    sizes: Option<Spanned<Vec<i64>>>,
    pattern: Option<Spanned<String>>,
}

type At<'a> = dyn Fn(Range<usize>, String) -> FileError + 'a;

fn seconds(
    value: &Spanned<toml::Value>,
    what: &str,
    min: f64,
    max: f64,
    at: &At<'_>,
) -> Result<Duration, FileError> {
    let number = match value.get_ref() {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(x) => *x,
        other => {
            return Err(at(
                value.span(),
                format!("{what} is a number of seconds, not {}", other.type_str()),
            ))
        }
    };
    if !(min..=max).contains(&number) {
        return Err(at(
            value.span(),
            format!("{what} must be between {min} and {max} seconds, not {number}"),
        ));
    }
    Ok(Duration::from_secs_f64(number))
}

impl RawExercise {
    fn build(self, id: &str, source: &str, text: &str, at: &At<'_>) -> Result<Exercise, FileError> {
        let time_limit = seconds(
            &self.time_limit,
            "time_limit",
            MIN_TIME_LIMIT,
            MAX_TIME_LIMIT,
            at,
        )?;
        let step_timeout = match &self.step_timeout {
            Some(value) => seconds(value, "step_timeout", 0.05, MAX_TIME_LIMIT, at)?,
            None => Duration::from_secs_f64(DEFAULT_STEP_TIMEOUT).min(time_limit),
        };
        let peer = self.peer.build(text, at)?;
        let submission = self.submission.build(peer.kind, at)?;
        if peer.prepare == Some(Prepare::TimeWait) && submission.role != Role::Server {
            return Err(at(
                0..0,
                "prepare = \"time-wait\" needs a server submission (peer kind tcp-client)".into(),
            ));
        }
        let udp = peer.kind == PeerKind::Udp;
        if self.criteria.get_ref().is_empty() {
            return Err(at(
                self.criteria.span(),
                "an exercise needs at least one criterion".into(),
            ));
        }
        let mut criteria = Vec::with_capacity(self.criteria.get_ref().len());
        for raw in self.criteria.into_inner() {
            let span = raw.check.span();
            let criterion = raw.build(at)?;
            if udp && criterion.check.is_tcp_only() {
                return Err(at(
                    span,
                    format!(
                        "check `{}` is about TCP, but socklab plays a UDP peer here",
                        criterion.check.name()
                    ),
                ));
            }
            if !udp && criterion.check.is_udp_only() {
                return Err(at(
                    span,
                    format!(
                        "check `{}` is about UDP, but socklab plays a TCP peer here",
                        criterion.check.name()
                    ),
                ));
            }
            criteria.push(criterion);
        }
        Ok(Exercise {
            id: id.to_string(),
            source: source.to_string(),
            title: self.title,
            statement: self.statement,
            time_limit,
            step_timeout,
            submission,
            peer,
            criteria,
        })
    }
}

impl RawSubmission {
    fn build(self, kind: PeerKind, at: &At<'_>) -> Result<SubmissionSpec, FileError> {
        let role = match self.role.get_ref().as_str() {
            "client" => Role::Client,
            "server" => Role::Server,
            other => {
                return Err(at(
                    self.role.span(),
                    format!("role is `client` or `server`, not `{other}`"),
                ))
            }
        };
        let fits = match kind {
            PeerKind::TcpServer => role == Role::Client,
            PeerKind::TcpClient => role == Role::Server,
            PeerKind::Udp => true,
        };
        if !fits {
            return Err(at(
                self.role.span(),
                format!(
                    "a {} submission needs the opposite peer: kind = \"{}\"",
                    role.name(),
                    if role == Role::Client {
                        "tcp-server"
                    } else {
                        "tcp-client"
                    }
                ),
            ));
        }
        let env_name = match &self.port_env {
            Some(name) => {
                let valid = !name.get_ref().is_empty()
                    && name
                        .get_ref()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(at(
                        name.span(),
                        format!("`{}` is not an environment variable name", name.get_ref()),
                    ));
                }
                name.get_ref().clone()
            }
            None => DEFAULT_PORT_ENV.to_string(),
        };
        let port_passing = match self
            .port
            .as_ref()
            .map(|port| (port.get_ref().as_str(), port.span()))
        {
            None | Some(("env", _)) => PortPassing::Env(env_name),
            Some(("arg", _)) => PortPassing::Arg,
            Some(("fixed", span)) => {
                if self.port_number.is_none() {
                    return Err(at(span, "a fixed port needs port_number".into()));
                }
                PortPassing::Fixed
            }
            Some((other, span)) => {
                return Err(at(
                    span,
                    format!("port is `env`, `arg` or `fixed`, not `{other}`"),
                ))
            }
        };
        let port = match &self.port_number {
            Some(number) => match u16::try_from(*number.get_ref()) {
                Ok(port) if port >= 1 => port,
                _ => {
                    return Err(at(
                        number.span(),
                        format!(
                            "port_number must be from 1 to 65535, not {}",
                            number.get_ref()
                        ),
                    ))
                }
            },
            None => DEFAULT_PORT,
        };
        let command = match self.command {
            Some(command) if command.get_ref().is_empty() => {
                return Err(at(command.span(), "command must name a program".into()))
            }
            Some(command) => command.into_inner(),
            None => Vec::new(),
        };
        let exit_grace = match &self.exit_grace {
            Some(value) => seconds(value, "exit_grace", 0.0, MAX_TIME_LIMIT, at)?,
            None => Duration::from_secs_f64(DEFAULT_EXIT_GRACE),
        };
        Ok(SubmissionSpec {
            role,
            port_passing,
            port,
            command,
            stdin: self.stdin,
            wait_exit: self.wait_exit.unwrap_or(role == Role::Client),
            exit_grace,
        })
    }
}

impl RawPeer {
    fn build(self, text: &str, at: &At<'_>) -> Result<PeerSpec, FileError> {
        let kind = match self.kind.get_ref().as_str() {
            "tcp-server" => PeerKind::TcpServer,
            "tcp-client" => PeerKind::TcpClient,
            "udp" => PeerKind::Udp,
            other => {
                return Err(at(
                    self.kind.span(),
                    format!("peer kind is `tcp-server`, `tcp-client` or `udp`, not `{other}`"),
                ))
            }
        };
        let prepare = match &self.prepare {
            None => None,
            Some(value) if value.get_ref() == "time-wait" => Some(Prepare::TimeWait),
            Some(value) => {
                return Err(at(
                    value.span(),
                    format!("prepare is `time-wait`, not `{}`", value.get_ref()),
                ))
            }
        };
        if self.steps.get_ref().is_empty() {
            return Err(at(
                self.steps.span(),
                "socklab's script needs at least one step".into(),
            ));
        }
        let mut steps = Vec::new();
        let mut connected = false;
        for written in self.steps.get_ref() {
            let span = written.span();
            // Point inside the string: past its opening quote, when the step is on one line.
            let content_start = if text
                .get(span.clone())
                .is_some_and(|raw| !raw.starts_with("\"\"\"") && !raw.starts_with("'''"))
            {
                span.start + 1
            } else {
                span.start
            };
            let step = Step::parse(written.get_ref())
                .map_err(|error| at(content_start + error.offset..span.end, error.message))?;
            let wrong = match (&step, kind) {
                (Step::Pause(_), _) => None,
                (step, PeerKind::Udp) if !step.is_udp() => Some("a UDP peer uses sendto, recvfrom and pause"),
                (step, PeerKind::TcpServer | PeerKind::TcpClient) if !step.is_tcp() => Some("a TCP peer uses accept/connect, send, recv, shutdown, close and pause"),
                (Step::Connect, PeerKind::TcpServer) => Some("a tcp-server peer waits with `accept`; `connect` is for kind = \"tcp-client\""),
                (Step::Accept, PeerKind::TcpClient) => Some("a tcp-client peer opens connections with `connect`; `accept` is for kind = \"tcp-server\""),
                (Step::Accept | Step::Connect, _) => None,
                (_, PeerKind::TcpServer | PeerKind::TcpClient) if !connected => Some("the first TCP step must be `accept` or `connect`"),
                _ => None,
            };
            if let Some(message) = wrong {
                return Err(at(
                    span,
                    format!("step `{}`: {message}", written.get_ref().trim()),
                ));
            }
            if matches!(step, Step::Accept | Step::Connect) {
                connected = true;
            }
            steps.push(step);
        }
        Ok(PeerSpec {
            kind,
            prepare,
            steps,
        })
    }
}

impl RawCriterion {
    fn build(self, at: &At<'_>) -> Result<Criterion, FileError> {
        let name = self.check.get_ref().as_str();
        let points = match u32::try_from(*self.points.get_ref()) {
            Ok(points) if points <= 1000 => points,
            _ => {
                return Err(at(
                    self.points.span(),
                    format!(
                        "points must be from 0 to 1000, not {}",
                        self.points.get_ref()
                    ),
                ))
            }
        };
        let index =
            |value: &Option<Spanned<i64>>, what: &str| -> Result<Option<usize>, FileError> {
                match value {
                    None => Ok(None),
                    Some(n) if *n.get_ref() >= 1 => Ok(Some(*n.get_ref() as usize)),
                    Some(n) => Err(at(
                        n.span(),
                        format!("{what} counts from 1, not {}", n.get_ref()),
                    )),
                }
            };
        let count_value =
            |value: &Option<Spanned<i64>>, what: &str| -> Result<Option<usize>, FileError> {
                match value {
                    None => Ok(None),
                    Some(n) if *n.get_ref() >= 0 => Ok(Some(*n.get_ref() as usize)),
                    Some(n) => Err(at(
                        n.span(),
                        format!("{what} cannot be negative ({})", n.get_ref()),
                    )),
                }
            };
        let range = || -> Result<CountRange, FileError> {
            let count = count_value(&self.count, "count")?;
            let mut range = CountRange {
                min: count_value(&self.min, "min")?,
                max: count_value(&self.max, "max")?,
            };
            if let Some(count) = count {
                range = CountRange {
                    min: Some(count),
                    max: Some(count),
                };
            }
            Ok(range)
        };
        let from = match &self.from {
            None => Side::Submission,
            Some(value) => match value.get_ref().as_str() {
                "submission" => Side::Submission,
                "socklab" => Side::Socklab,
                other => {
                    return Err(at(
                        value.span(),
                        format!("from is `submission` or `socklab`, not `{other}`"),
                    ))
                }
            },
        };
        // Which optional fields each check accepts: anything else is a mistake worth pointing at.
        let allowed: &[&str] = match name {
            "payload" => &["from", "equals", "contains", "connection", "datagram"],
            "connections" => &["count", "min", "max"],
            "datagrams" => &["from", "count", "min", "max", "sizes"],
            "multi-client" => &["min"],
            "history" => &["pattern", "connection"],
            _ => &[],
        };
        for (field, span) in self.present_fields() {
            if !allowed.contains(&field) {
                return Err(at(
                    span,
                    format!("`{field}` does not apply to check `{name}`"),
                ));
            }
        }
        let check = match name {
            "handshake" => Check::Handshake,
            "port" => Check::Port,
            "payload" => {
                let matcher = match (&self.equals, &self.contains) {
                    (Some(value), None) => Matcher::Equals(value.get_ref().as_bytes().to_vec()),
                    (None, Some(value)) => Matcher::Contains(value.get_ref().as_bytes().to_vec()),
                    (Some(value), Some(_)) => {
                        return Err(at(
                            value.span(),
                            "give either `equals` or `contains`, not both".into(),
                        ))
                    }
                    (None, None) => {
                        return Err(at(
                            self.check.span(),
                            "check `payload` needs `equals` or `contains`".into(),
                        ))
                    }
                };
                Check::Payload {
                    from,
                    matcher,
                    connection: index(&self.connection, "connection")?,
                    datagram: index(&self.datagram, "datagram")?,
                }
            }
            "read-reply" => Check::ReadReply,
            "graceful-close" => Check::GracefulClose,
            "active-closer" => Check::ActiveCloser,
            "no-half-open" => Check::NoHalfOpen,
            "connections" => {
                let range = range()?;
                if range == CountRange::default() {
                    return Err(at(
                        self.check.span(),
                        "check `connections` needs `count`, `min` or `max`".into(),
                    ));
                }
                Check::Connections(range)
            }
            "datagrams" => {
                let sizes = match &self.sizes {
                    None => None,
                    Some(sizes) => {
                        let mut list = Vec::new();
                        for size in sizes.get_ref() {
                            match u32::try_from(*size) {
                                Ok(size) if size <= 65507 => list.push(size),
                                _ => {
                                    return Err(at(
                                        sizes.span(),
                                        format!(
                                        "a UDP payload size is from 0 to 65507 bytes, not {size}"
                                    ),
                                    ))
                                }
                            }
                        }
                        Some(list)
                    }
                };
                let range = range()?;
                if range == CountRange::default() && sizes.is_none() {
                    return Err(at(
                        self.check.span(),
                        "check `datagrams` needs `count`, `min`, `max` or `sizes`".into(),
                    ));
                }
                Check::Datagrams {
                    from,
                    count: range,
                    sizes,
                }
            }
            "delivered" => Check::Delivered,
            "multi-client" => Check::MultiClient {
                min: count_value(&self.min, "min")?.unwrap_or(2).max(1),
            },
            "half-close" => Check::HalfClose,
            "history" => {
                let Some(pattern) = &self.pattern else {
                    return Err(at(
                        self.check.span(),
                        "check `history` needs a `pattern`, such as \"^ShAD.*F\"".into(),
                    ));
                };
                let regex = Regex::new(pattern.get_ref()).map_err(|error| {
                    at(
                        pattern.span(),
                        format!(
                            "the pattern is not a valid regular expression: {}",
                            error.to_string().lines().last().unwrap_or("")
                        ),
                    )
                })?;
                Check::History {
                    pattern: regex,
                    connection: index(&self.connection, "connection")?,
                }
            }
            other => {
                return Err(at(
                    self.check.span(),
                    format!(
                        "unknown check `{other}`; checks are {}",
                        Check::NAMES.join(", ")
                    ),
                ))
            }
        };
        Ok(Criterion {
            check,
            points,
            name: self.name,
            hint: self.hint,
        })
    }

    fn present_fields(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut fields = Vec::new();
        let mut add = |name: &'static str, span: Option<Range<usize>>| {
            if let Some(span) = span {
                fields.push((name, span));
            }
        };
        add("from", self.from.as_ref().map(Spanned::span));
        add("equals", self.equals.as_ref().map(Spanned::span));
        add("contains", self.contains.as_ref().map(Spanned::span));
        add("connection", self.connection.as_ref().map(Spanned::span));
        add("datagram", self.datagram.as_ref().map(Spanned::span));
        add("count", self.count.as_ref().map(Spanned::span));
        add("min", self.min.as_ref().map(Spanned::span));
        add("max", self.max.as_ref().map(Spanned::span));
        add("sizes", self.sizes.as_ref().map(Spanned::span));
        add("pattern", self.pattern.as_ref().map(Spanned::span));
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
title.en = "t"
statement.en = "s"
time_limit = 5

[submission]
role = "client"

[peer]
kind = "tcp-server"
steps = ["accept", 'send "hi\n"', "close"]

[[criteria]]
check = "handshake"
points = 2
"#;

    fn error_of(text: &str) -> String {
        Exercise::parse("t", "ex.toml", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_minimal_exercise_gets_defaults() {
        let exercise = Exercise::parse("t", "ex.toml", MINIMAL).unwrap();
        assert_eq!(exercise.submission.port, DEFAULT_PORT);
        assert_eq!(
            exercise.submission.port_passing,
            PortPassing::Env("SOCKLAB_PORT".into())
        );
        assert!(exercise.submission.wait_exit);
        assert_eq!(exercise.time_limit, Duration::from_secs(5));
        assert_eq!(exercise.step_timeout, Duration::from_secs(2));
        assert_eq!(exercise.peer.steps[1], Step::Send(b"hi\n".to_vec()));
        assert_eq!(exercise.max_points(), 2);
    }

    #[test]
    fn every_builtin_exercise_parses() {
        for name in catalog::names() {
            let exercise = Exercise::find(name).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert!(exercise.max_points() > 0, "{name}");
            assert!(
                exercise.statement.zh_cn.is_some(),
                "{name} lacks a Chinese statement"
            );
            assert!(
                exercise.title.zh_cn.is_some(),
                "{name} lacks a Chinese title"
            );
        }
        assert!(catalog::names().len() >= 6);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let text = MINIMAL.replace("time_limit = 5", "time_limit = = 5");
        let error = error_of(&text);
        assert!(error.starts_with("ex.toml:4:"), "{error}");
    }

    #[test]
    fn unknown_fields_and_checks_are_pointed_at() {
        let error = error_of(&MINIMAL.replace("points = 2", "points = 2\nequal = \"x\""));
        assert!(error.starts_with("ex.toml:16:1:"), "{error}");
        assert!(error.contains("unknown field `equal`"), "{error}");

        let error = error_of(&MINIMAL.replace("\"handshake\"", "\"handshak\""));
        assert!(error.starts_with("ex.toml:14:9:"), "{error}");
        assert!(error.contains("unknown check `handshak`"), "{error}");

        let error = error_of(&MINIMAL.replace("points = 2", "points = 2\nequals = \"x\""));
        assert!(
            error.contains("`equals` does not apply to check `handshake`"),
            "{error}"
        );
    }

    #[test]
    fn bad_steps_point_inside_the_step() {
        let error = error_of(&MINIMAL.replace(r#"'send "hi\n"'"#, r#"'send "h\q"'"#));
        // Line 11 is the steps line; the escape sits at column 30.
        assert!(error.starts_with("ex.toml:11:"), "{error}");
        assert!(error.contains("unknown escape \\q"), "{error}");

        let error = error_of(&MINIMAL.replace("\"accept\", ", "\"connect\", "));
        assert!(
            error.contains("`connect` is for kind = \"tcp-client\""),
            "{error}"
        );

        let error = error_of(&MINIMAL.replace("\"accept\", ", ""));
        assert!(
            error.contains("the first TCP step must be `accept` or `connect`"),
            "{error}"
        );
    }

    #[test]
    fn values_out_of_range_are_refused() {
        assert!(
            error_of(&MINIMAL.replace("time_limit = 5", "time_limit = 0"))
                .contains("time_limit must be between")
        );
        assert!(
            error_of(&MINIMAL.replace("time_limit = 5", "time_limit = \"5s\""))
                .contains("number of seconds")
        );
        assert!(error_of(&MINIMAL.replace("points = 2", "points = -1")).contains("points must be"));
        assert!(
            error_of(&MINIMAL.replace("role = \"client\"", "role = \"server\""))
                .contains("opposite peer")
        );
        let udp_check = MINIMAL.replace("\"handshake\"", "\"datagrams\"\ncount = 1");
        assert!(error_of(&udp_check).contains("is about UDP"));
        let bad_regex = MINIMAL.replace("\"handshake\"", "\"history\"\npattern = \"(\"");
        assert!(error_of(&bad_regex).contains("not a valid regular expression"));
    }

    #[test]
    fn unknown_names_list_the_builtins() {
        let error = Exercise::find("no-such-exercise").unwrap_err().to_string();
        assert!(error.contains("tcp-client"), "{error}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for text in [
            "",
            "\0\0",
            "[[criteria]]\n[[criteria]]",
            "title = 1",
            "criteria = [1, 2]",
            "time_limit = nan",
        ] {
            let _ = Exercise::parse("t", "x.toml", text);
        }
        for cut in 0..MINIMAL.len() {
            if MINIMAL.is_char_boundary(cut) {
                let _ = Exercise::parse("t", "x.toml", &MINIMAL[..cut]);
            }
        }
    }
}
