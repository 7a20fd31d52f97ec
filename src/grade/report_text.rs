//! The terminal report: how the run went, the ladder, ✓/✗ per criterion with points, expected against got,
//! packets and fix, the diagnoses, the score, and what the program printed.

use super::live_run::{Ending, RunFacts};
use super::localized::pick;
use super::report::GradeReport;
use super::subject::frame_list;
use crate::lang::Lang;
use std::io::{self, Write};

/// Lines of the submission's output shown in the report.
const OUTPUT_LINES: usize = 20;

struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn good(&self, text: &str) -> String {
        self.wrap("32", text)
    }
    fn bad(&self, text: &str) -> String {
        self.wrap("31", text)
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

pub fn write_text(
    out: &mut impl Write,
    report: &GradeReport,
    color: bool,
    with_ladder: bool,
) -> io::Result<()> {
    let paint = Paint { color };
    let lang = report.lang;
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "socklab grade {} — {}",
            report.exercise, report.title
        ))
    )?;
    writeln!(
        out,
        "{}{}",
        pick(lang, "Packets from: ", "数据包来源:"),
        report.source
    )?;
    if let Some(run) = &report.run {
        write_run(out, run, lang)?;
    }
    if with_ladder && !report.ladder.is_empty() {
        writeln!(out)?;
        out.write_all(report.ladder.as_bytes())?;
    }
    writeln!(out)?;
    writeln!(out, "{}", paint.bold(pick(lang, "Criteria", "评分项")))?;
    for criterion in &report.criteria {
        let mark = if criterion.passed {
            paint.good("✓")
        } else {
            paint.bad("✗")
        };
        writeln!(
            out,
            "  {mark} {:>2}/{:<2} {}",
            criterion.points, criterion.max_points, criterion.name
        )?;
        if criterion.passed {
            writeln!(out, "          {}", paint.dim(&criterion.got))?;
            continue;
        }
        writeln!(
            out,
            "          {} {}",
            pick(lang, "expected:", "应为:"),
            criterion.expected
        )?;
        writeln!(
            out,
            "          {} {}",
            pick(lang, "got:     ", "实际:"),
            criterion.got
        )?;
        if !criterion.packets.is_empty() {
            writeln!(
                out,
                "          {} {}",
                pick(lang, "packets: ", "数据包:"),
                frame_list(&criterion.packets)
            )?;
        }
        if let Some(hint) = &criterion.hint {
            writeln!(out, "          {} {hint}", pick(lang, "fix:     ", "改进:"))?;
        }
    }
    if !report.diagnoses.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint.bold(pick(lang, "Diagnosis", "诊断")))?;
        for diagnosis in &report.diagnoses {
            writeln!(
                out,
                "  {} [{}] {}",
                paint.bad("!"),
                diagnosis.kind,
                diagnosis.explanation
            )?;
            writeln!(
                out,
                "      {} {}",
                pick(lang, "fix:", "改进:"),
                diagnosis.fix
            )?;
        }
    }
    writeln!(out)?;
    let score = format!(
        "{}: {}/{}",
        pick(lang, "Score", "得分"),
        report.score,
        report.max_score
    );
    writeln!(
        out,
        "{}",
        if report.full_marks() {
            paint.good(&score)
        } else {
            paint.bad(&score)
        }
    )?;
    if let Some(run) = &report.run {
        write_output(
            out,
            pick(lang, "stdout", "标准输出"),
            &run.stdout,
            run.stdout_bytes,
            lang,
        )?;
        write_output(
            out,
            pick(lang, "stderr", "标准错误"),
            &run.stderr,
            run.stderr_bytes,
            lang,
        )?;
    }
    out.flush()
}

pub fn describe_ending(run: &RunFacts, lang: Lang) -> String {
    let seconds = run.elapsed_ms as f64 / 1000.0;
    let limit = run.time_limit_ms as f64 / 1000.0;
    match &run.ending {
        Ending::Exited { code } => pick(
            lang,
            format!("exited with code {code} after {seconds:.2} s"),
            format!("{seconds:.2} 秒后退出,退出码 {code}"),
        ),
        Ending::Signalled { name, .. } => pick(
            lang,
            format!("killed by {name} after {seconds:.2} s"),
            format!("{seconds:.2} 秒后被 {name} 终止"),
        ),
        Ending::StoppedAfterExercise => pick(
            lang,
            format!(
                "still running when socklab's script ended ({seconds:.2} s); stopped by socklab"
            ),
            format!("socklab 的脚本结束时({seconds:.2} 秒)仍在运行;已由 socklab 终止"),
        ),
        Ending::StoppedAtTimeLimit => pick(
            lang,
            format!("still running at the time limit ({limit} s); stopped by socklab"),
            format!("到达时间限制({limit} 秒)时仍在运行;已由 socklab 终止"),
        ),
    }
}

fn write_run(out: &mut impl Write, run: &RunFacts, lang: Lang) -> io::Result<()> {
    writeln!(
        out,
        "{}{}",
        pick(lang, "Submission: ", "提交:"),
        run.command.join(" ")
    )?;
    writeln!(
        out,
        "{}{}; {}",
        pick(lang, "Ran as: ", "运行身份:"),
        run.user,
        run.isolation
    )?;
    let limits = &run.limits;
    let (processes, file_mib, cpu, files, memory_mib) = (
        limits.extra_processes,
        limits.file_size_bytes / 1024 / 1024,
        limits.cpu_seconds,
        limits.open_files,
        limits.address_space_bytes / 1024 / 1024,
    );
    writeln!(
        out,
        "{}",
        pick(
            lang,
            format!(
                "Sandbox: pid 1 of its own pid namespace; read-only files except its working folder (/tmp); \
                 limits: {processes} more processes, {file_mib} MiB per file, {cpu} s CPU, {files} open files, \
                 {memory_mib} MiB memory"
            ),
            format!(
                "沙箱:在独立 pid 命名空间中作为 1 号进程;除工作目录(/tmp)外文件只读;\
                 限制:最多再 {processes} 个进程,单个文件 {file_mib} MiB,CPU {cpu} 秒,{files} 个打开的文件,\
                 内存 {memory_mib} MiB"
            ),
        )
    )?;
    writeln!(
        out,
        "{}{}",
        pick(lang, "Ended: ", "结束:"),
        describe_ending(run, lang)
    )?;
    let steps: Vec<String> = run
        .script
        .iter()
        .map(|step| format!("{} {}", step.step, if step.ok { "✓" } else { "✗" }))
        .collect();
    writeln!(
        out,
        "{}{}",
        pick(lang, "socklab's script: ", "socklab 的脚本:"),
        steps.join(", ")
    )?;
    if let Some(stopped) = &run.script_stopped {
        writeln!(out, "{}{stopped}", pick(lang, "  stopped at ", "  停止于 "))?;
    }
    if run.processes_left > 0 {
        writeln!(
            out,
            "{}",
            pick(
                lang,
                format!(
                    "WARNING: {} process(es) of the submission could not be ended",
                    run.processes_left
                ),
                format!("警告:提交程序的 {} 个进程未能结束", run.processes_left)
            )
        )?;
    }
    if !run.capture.is_complete() {
        writeln!(
            out,
            "{}",
            pick(
                lang,
                format!(
                    "WARNING: the kernel dropped {} frame(s): the capture is incomplete",
                    run.capture.kernel_drops
                ),
                format!(
                    "警告:内核丢弃了 {} 个帧,抓包不完整",
                    run.capture.kernel_drops
                )
            )
        )?;
    }
    Ok(())
}

fn write_output(
    out: &mut impl Write,
    name: &str,
    text: &str,
    total: u64,
    lang: Lang,
) -> io::Result<()> {
    writeln!(out, "{name} ({total} {}):", pick(lang, "bytes", "字节"))?;
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(OUTPUT_LINES) {
        let shown: String = line.chars().take(200).collect();
        writeln!(out, "  | {shown}")?;
    }
    let shown_bytes = text.len() as u64;
    if lines.len() > OUTPUT_LINES || total > shown_bytes {
        writeln!(out, "  | … {}", pick(lang, "(cut)", "(已截断)"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_criteria_show_expected_got_packets_and_fix() {
        let report = crate::grade::gradescope::tests::sample();
        let mut out = Vec::new();
        write_text(&mut out, &report, false, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("  ✓  1/1  Handshake\n"), "{text}");
        assert!(text.contains("  ✗  0/3  Payload\n          expected: \"hello\\n\"\n          got:      \"helo\\n\"\n          packets:  #4\n          fix:      send hello\n"), "{text}");
        assert!(text.contains("  ! [abortive-close] RST #4\n"), "{text}");
        assert!(text.contains("Score: 1/4"), "{text}");
        assert!(!text.contains('\x1b'), "no colour was asked for");
        let mut coloured = Vec::new();
        write_text(&mut coloured, &report, true, true).unwrap();
        assert!(String::from_utf8(coloured)
            .unwrap()
            .contains("\x1b[31m✗\x1b[0m"));
    }
}
