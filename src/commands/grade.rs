//! `socklab grade EXERCISE -- CMD`: run a submission against the exercise's peer and grade the wire;
//! `--pcap FILE` grades a capture; `--batch DIR` grades one folder per student in parallel.
//!
//! Exit codes: 0 full marks, 1 points were lost, 2 the grading could not run.

use super::output::Style;
use crate::capture::{CaptureWriter, FileSource, FrameSource, Next, OwnedFrame};
use crate::cli::{GradeArgs, GradeFormat};
use crate::grade::{self, Exercise, Files, GradeInput, GradeReport, LiveInput, PortPassing};
use crate::lang::Lang;
use crate::render::{ColorChoice, LadderOptions};
use crate::sandbox::{self, Fallback, IdMapping};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const GRADE_FULL_MARKS: u8 = 0;
pub const GRADE_POINTS_LOST: u8 = 1;
pub const GRADE_COULD_NOT_RUN: u8 = 2;

/// The most frames read from a capture file for grading.
const MAX_PCAP_FRAMES: usize = 200_000;

pub fn grade(args: &GradeArgs, color: ColorChoice, lang: Option<Lang>) -> ExitCode {
    let live = !args.list && args.pcap.is_none() && args.batch.is_none();
    // First, while the process is still single-threaded: CLONE_NEWUSER refuses threaded processes.
    let isolation = if live {
        match sandbox::enter_private_network_with(Fallback::GradePcap, IdMapping::SameIds) {
            Ok(isolation) => Some(isolation.to_string()),
            Err(error) => return fail(&error.to_string()),
        }
    } else {
        None
    };
    let style = Style::resolve(color, lang, args.width);
    let result = if args.list {
        list().map(|()| GRADE_FULL_MARKS)
    } else if let Some(folder) = &args.batch {
        grade::batch(args, folder, style)
    } else if let Some(file) = &args.pcap {
        from_pcap(args, file, style)
    } else {
        live_run(args, isolation.unwrap_or_default(), style)
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("socklab grade: {message}");
    ExitCode::from(GRADE_COULD_NOT_RUN)
}

fn list() -> Result<(), String> {
    let mut out = io::stdout().lock();
    for name in grade::builtin_exercises() {
        let title = Exercise::find(name)
            .map(|exercise| exercise.title.en)
            .unwrap_or_default();
        writeln!(out, "{name:<20}  {title}").map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn load(args: &GradeArgs) -> Result<Exercise, String> {
    let name = args.exercise.as_deref().unwrap_or_default();
    Exercise::find(name).map_err(|error| error.to_string())
}

fn ladder_options(style: Style) -> LadderOptions {
    LadderOptions {
        color: style.color,
        lang: style.lang,
        width: style.width,
    }
}

/// Files to copy: (where it is, its name inside the working folder).
type NamedFiles = Vec<(PathBuf, PathBuf)>;

/// The command with `{port}` replaced, and the files it names (relative paths that exist here).
fn prepare_command(
    args: &GradeArgs,
    exercise: &Exercise,
) -> Result<(Vec<String>, NamedFiles), String> {
    let written = if args.command.is_empty() {
        exercise.submission.command.clone()
    } else {
        args.command.clone()
    };
    if written.is_empty() {
        return Err("no command to run: put the submission's command after `--`, such as: -- python3 client.py".into());
    }
    let port = exercise.submission.port.to_string();
    if exercise.submission.port_passing == PortPassing::Arg
        && !written.iter().any(|arg| arg.contains("{port}"))
    {
        return Err("this exercise passes the port as an argument: put {port} in the command, such as: -- python3 client.py {port}".into());
    }
    let command: Vec<String> = written
        .iter()
        .map(|arg| arg.replace("{port}", &port))
        .collect();
    let files = command
        .iter()
        .filter(|arg| !arg.starts_with('-'))
        .map(Path::new)
        .filter(|path| path.is_relative() && path.is_file())
        .map(|path| (path.to_path_buf(), path.to_path_buf()))
        .collect();
    Ok((command, files))
}

fn live_run(args: &GradeArgs, isolation: String, style: Style) -> Result<u8, String> {
    grade::become_subreaper()
        .map_err(|error| format!("cannot become a child subreaper: {error}"))?;
    let exercise = load(args)?;
    let (command, named) = prepare_command(args, &exercise)?;
    let files = match &args.dir {
        Some(folder) => Files::Folder(folder.clone()),
        None => Files::Named(named),
    };
    // SAFETY: geteuid has no preconditions.
    let drop_to = (unsafe { libc::geteuid() } == 0).then_some(grade::NOBODY);
    let run = grade::run_live(&LiveInput {
        exercise: &exercise,
        command,
        files,
        drop_to,
        isolation: isolation.clone(),
    })
    .map_err(|error| error.to_string())?;
    let mut writer = match &args.write {
        Some(path) => Some(
            CaptureWriter::create_with_comment(
                path,
                Some(&format!("socklab grade {}", exercise.id)),
            )
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?,
        ),
        None => None,
    };
    let stats = run.facts.capture;
    let report = grade::grade(
        GradeInput {
            exercise: &exercise,
            frames: &run.frames,
            calls: &run.calls,
            run: Some(run.facts),
            prepared_clients: &run.prepared_clients,
            udp_ports: Some(run.udp_ports.clone()),
            port: exercise.submission.port,
            source: format!("live capture on lo in a {isolation}"),
            lang: style.lang,
            ladder: ladder_options(style),
            stats,
        },
        writer.as_mut(),
    )
    .map_err(|error| error.to_string())?;
    if let (Some(writer), Some(path)) = (writer, &args.write) {
        writer
            .finish()
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    deliver(args, &report, style)
}

fn from_pcap(args: &GradeArgs, file: &Path, style: Style) -> Result<u8, String> {
    let exercise = load(args)?;
    let mut source = FileSource::open(file).map_err(|error| error.to_string())?;
    let mut frames: Vec<OwnedFrame> = Vec::new();
    loop {
        match source.next_frame() {
            Ok(Next::Frame(frame)) if frames.len() < MAX_PCAP_FRAMES => {
                frames.push(OwnedFrame::from(frame))
            }
            Ok(Next::Frame(_)) => {
                eprintln!(
                    "socklab grade: only the first {MAX_PCAP_FRAMES} frames of {} are graded",
                    file.display()
                );
                break;
            }
            Ok(Next::Idle) => continue,
            Ok(Next::End) => break,
            Err(error) => {
                // Grade what was read; say what was not.
                eprintln!("socklab grade: {error}");
                break;
            }
        }
    }
    let report = grade::grade(
        GradeInput {
            exercise: &exercise,
            frames: &frames,
            calls: &[],
            run: None,
            prepared_clients: &[],
            udp_ports: None,
            port: args.port.unwrap_or(exercise.submission.port),
            source: format!("capture file {}", file.display()),
            lang: style.lang,
            ladder: ladder_options(style),
            stats: source.stats(),
        },
        None::<&mut CaptureWriter<io::Sink>>,
    )
    .map_err(|error| error.to_string())?;
    deliver(args, &report, style)
}

/// Prints the report in the chosen format, writes the report files, and returns the exit code. Runs
/// after every process of the submission is gone, so nothing it did can change these files.
fn deliver(args: &GradeArgs, report: &GradeReport, style: Style) -> Result<u8, String> {
    let json = || serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    let write_file = |path: &Path, text: String| {
        std::fs::write(path, text)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))
    };
    if let Some(path) = &args.json {
        write_file(path, json())?;
    }
    if let Some(path) = &args.gradescope {
        write_file(path, grade::gradescope_json(report))?;
    }
    if let Some(path) = &args.junit {
        write_file(path, grade::junit_xml(report))?;
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let printed = match args.format {
        GradeFormat::Text => grade::write_text(&mut out, report, style.color, !args.no_ladder),
        GradeFormat::Json => writeln!(out, "{}", json()),
        GradeFormat::Gradescope => writeln!(out, "{}", grade::gradescope_json(report)),
        GradeFormat::Junit => write!(out, "{}", grade::junit_xml(report)),
    };
    match printed.and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(format!("cannot write the report: {error}")),
    }
    Ok(if report.full_marks() {
        GRADE_FULL_MARKS
    } else {
        GRADE_POINTS_LOST
    })
}
