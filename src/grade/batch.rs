//! Grading a folder of submissions, one sub-folder per student: each graded by its own `socklab grade`
//! child process (each needs its own namespaces), a few at a time, with a progress bar. A child that
//! crashes or hangs is recorded as an error for that student; the batch goes on.

use super::batch_summary::{write_summary, Row, Status};
use super::exercise::Exercise;
use super::exit_watch::ExitWatch;
use super::in_order::InOrder;
use crate::cli::GradeArgs;
use crate::commands::Style;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::VecDeque;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Gradings run at the same time per CPU, by default. A grading mostly waits (for the submission to
/// start, answer, exit or time out): a Python client and socklab's side of it take about 40 ms of CPU in
/// a run of 80 ms or more (bench/README.md), and a stuck submission holds its place for seconds while
/// using none. Four per CPU keeps the CPUs busy; the step timeouts (2 s) stay far above what even a
/// fully shared CPU adds to a run.
const JOBS_PER_CPU: usize = 4;

/// The default of `--jobs`: four per CPU, at most 64.
pub fn default_jobs() -> u16 {
    let cpus = std::thread::available_parallelism().map_or(1, |cpus| cpus.get());
    cpus.saturating_mul(JOBS_PER_CPU).clamp(1, 64) as u16
}

/// Time a child gets beyond the exercise's time limit (starting, capturing, cleaning up, reporting).
const CHILD_MARGIN: Duration = Duration::from_secs(30);

/// Grades every sub-folder of `folder`; returns 0 when every submission could be graded, 2 otherwise.
pub fn batch(args: &GradeArgs, folder: &Path, style: Style) -> Result<u8, String> {
    let name = args.exercise.clone().unwrap_or_default();
    let exercise = Exercise::find(&name).map_err(|error| error.to_string())?;
    // A path is handed to the children absolute, since they run elsewhere.
    let exercise_arg = match fs::canonicalize(&name) {
        Ok(path) if path.is_file() => path.display().to_string(),
        _ => name.clone(),
    };
    let mut students: Vec<PathBuf> = fs::read_dir(folder)
        .map_err(|error| format!("cannot read {}: {error}", folder.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    students.sort();
    if students.is_empty() {
        return Err(format!(
            "{} holds no sub-folder: put each student's submission in a folder of its own",
            folder.display()
        ));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("socklab-grades"));
    fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let out = fs::canonicalize(&out).map_err(|error| error.to_string())?;
    let exe = std::env::current_exe()
        .map_err(|error| format!("cannot find the socklab binary: {error}"))?;

    let started = Instant::now();
    let bar = ProgressBar::new(students.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} grading [{bar:30}] {pos}/{len} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let queue = Arc::new(Mutex::new(
        students
            .iter()
            .cloned()
            .enumerate()
            .collect::<VecDeque<(usize, PathBuf)>>(),
    ));
    // Finished rows, handed on (printed and kept) in the students' order, whichever finishes first.
    let progress = Arc::new(Mutex::new((InOrder::default(), Vec::new())));
    let child_timeout = exercise.time_limit + CHILD_MARGIN;
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            let queue = Arc::clone(&queue);
            let progress = Arc::clone(&progress);
            let (bar, exe, out, exercise_arg) = (&bar, &exe, &out, &exercise_arg);
            scope.spawn(move || loop {
                let next = queue
                    .lock()
                    .map(|mut queue| queue.pop_front())
                    .unwrap_or(None);
                let Some((index, student)) = next else { break };
                let id = student
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                bar.set_message(id.clone());
                let row = grade_one(
                    exe,
                    exercise_arg,
                    args,
                    style,
                    &student,
                    &out.join(&id),
                    &id,
                    child_timeout,
                );
                if let Ok(mut progress) = progress.lock() {
                    let (order, rows) = &mut *progress;
                    for row in order.add(index, row) {
                        bar.println(format!("{:<24} {}", row.student, row.status_text()));
                        rows.push(row);
                    }
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let mut rows = Arc::try_unwrap(progress)
        .ok()
        .and_then(|progress| progress.into_inner().ok())
        .map(|(_, rows)| rows)
        .unwrap_or_default();
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    let wall = started.elapsed();
    write_summary(&out, &exercise.id, &rows, wall)
        .map_err(|error| format!("cannot write the summary in {}: {error}", out.display()))?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{:<20} {:>7}  verdict", "student", "score");
    for row in &rows {
        let score = match row.status {
            Status::Error => "-".to_string(),
            _ => format!("{}/{}", row.score, row.max_score),
        };
        let _ = writeln!(stdout, "{:<20} {score:>7}  {}", row.student, row.verdict());
    }
    let _ = writeln!(
        stdout,
        "{} submissions graded in {:.1} s; reports in {}, summary in summary.csv and summary.json",
        rows.len(),
        wall.as_secs_f64(),
        out.display()
    );
    let errors = rows.iter().any(|row| row.status == Status::Error);
    Ok(if errors { 2 } else { 0 })
}

#[allow(clippy::too_many_arguments)]
fn grade_one(
    exe: &Path,
    exercise: &str,
    args: &GradeArgs,
    style: Style,
    student: &Path,
    out: &Path,
    id: &str,
    timeout: Duration,
) -> Row {
    let started = Instant::now();
    let error_row = |message: String| Row::error(id, out, message, started.elapsed());
    if let Err(error) = fs::create_dir_all(out) {
        return error_row(format!("cannot create {}: {error}", out.display()));
    }
    let report_txt = out.join("report.txt");
    let (Ok(stdout), Ok(stderr)) = (
        fs::File::create(&report_txt),
        fs::File::create(out.join("stderr.txt")),
    ) else {
        return error_row(format!("cannot write in {}", out.display()));
    };
    let mut command = Command::new(exe);
    command
        .arg("--color")
        .arg("never")
        .arg("--lang")
        .arg(style.lang.code())
        .arg("grade")
        .arg(exercise)
        .arg("--dir")
        .arg(student)
        .arg("--json")
        .arg(out.join("report.json"))
        .arg("--gradescope")
        .arg(out.join("results.json"))
        .arg("--junit")
        .arg(out.join("junit.xml"))
        .arg("--width")
        .arg(style.width.to_string())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    if args.no_ladder {
        command.arg("--no-ladder");
    }
    if !args.command.is_empty() {
        command.arg("--").args(&args.command);
    }
    // Stale reports of an earlier batch must not pass for this run's.
    for stale in ["report.json", "results.json", "junit.xml"] {
        let _ = fs::remove_file(out.join(stale));
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return error_row(format!("cannot start socklab: {error}")),
    };
    let deadline = Instant::now() + timeout;
    // Woken by the child's exit (its pidfd), not by a clock.
    ExitWatch::new(child.id()).wait(timeout);
    let status = match child.try_wait() {
        Ok(Some(status)) => Some(status),
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
        Err(_) => None,
    };
    let stderr_text = fs::read_to_string(out.join("stderr.txt")).unwrap_or_default();
    match status.and_then(|status| status.code()) {
        Some(0 | 1) => match Row::from_report(id, out, &out.join("report.json"), started.elapsed())
        {
            Ok(row) => row,
            Err(error) => error_row(format!("socklab wrote no usable report: {error}")),
        },
        Some(code) => error_row(format!(
            "grading failed (exit {code}): {}",
            stderr_text.trim().lines().last().unwrap_or("no message")
        )),
        None if Instant::now() >= deadline => error_row(format!(
            "grading took longer than {} s and was stopped",
            timeout.as_secs()
        )),
        None => error_row("socklab crashed while grading this submission".to_string()),
    }
}
