//! `--step`: the walkthrough one event at a time, like Packet Tracer's simulation mode. Enter shows the
//! next event, `b` goes back one, `?` explains the current packet layer by layer, `q` quits. Commands are
//! read line by line, so piped input works as well as a terminal; at the end of the input the rest of the
//! walkthrough is shown without stopping.

use super::text::tr;
use super::walkthrough::{Event, EventKind};
use crate::lang::Lang;
use std::io::{self, BufRead, Write};

/// How the stepping ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    /// Every event was shown.
    Finished,
    /// The learner typed `q`.
    Quit,
}

/// Shows `events` one at a time; `explain(frame index)` answers `?`. When the input is not a terminal
/// (`echo`), each command is written after its prompt, as a terminal would have echoed it.
pub fn step_through(
    events: &[Event],
    explain: &dyn Fn(usize) -> String,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    lang: Lang,
    echo: bool,
) -> io::Result<Stepped> {
    let total = events.len();
    let Some(first) = events.first() else {
        return Ok(Stepped::Finished);
    };
    out.write_all(first.text.as_bytes())?;
    let mut at = 0;
    let mut line = String::new();
    loop {
        if at + 1 >= total {
            return Ok(Stepped::Finished);
        }
        write!(
            out,
            "[{}/{total}] {} ",
            at + 1,
            tr(
                lang,
                "Enter: next · b: back · ?: explain the packet · q: quit >",
                "回车：下一步 · b：后退 · ?：解释这个包 · q：退出 >"
            )
        )?;
        out.flush()?;
        line.clear();
        if input.read_line(&mut line)? == 0 {
            // No more input (a pipe ran dry): show the rest without asking.
            out.write_all(b"\n")?;
            for event in &events[at + 1..] {
                out.write_all(event.text.as_bytes())?;
            }
            return Ok(Stepped::Finished);
        }
        if echo {
            writeln!(out, "{}", line.trim_end())?;
        }
        match line.trim() {
            "" => {
                at += 1;
                out.write_all(events[at].text.as_bytes())?;
            }
            "b" | "B" => {
                if at == 0 {
                    writeln!(
                        out,
                        "{}",
                        tr(lang, "(already at the start)", "（已经在开头了）")
                    )?;
                } else {
                    at -= 1;
                    match lang {
                        Lang::En => writeln!(out, "◀ back to event {}/{total}:", at + 1)?,
                        Lang::ZhCn => writeln!(out, "◀ 退回到第 {}/{total} 个事件：", at + 1)?,
                    }
                    out.write_all(events[at].text.as_bytes())?;
                }
            }
            "?" => {
                let packet = events[..=at]
                    .iter()
                    .rev()
                    .find_map(|event| match event.kind {
                        EventKind::Packet(frame) => Some(frame),
                        _ => None,
                    });
                match packet {
                    Some(frame) => out.write_all(explain(frame).as_bytes())?,
                    None => writeln!(
                        out,
                        "{}",
                        tr(
                            lang,
                            "(no packet yet: press Enter until one appears)",
                            "（还没有包：按回车直到出现一个包）"
                        )
                    )?,
                }
            }
            "q" | "Q" => {
                writeln!(out, "{}", tr(lang, "(quit)", "（已退出）"))?;
                return Ok(Stepped::Quit);
            }
            other => writeln!(
                out,
                "{} {other:?}: {}",
                tr(lang, "unknown command", "未知命令"),
                tr(
                    lang,
                    "press Enter, or type b, ? or q",
                    "请按回车，或输入 b、? 或 q"
                )
            )?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<Event> {
        vec![
            Event {
                kind: EventKind::Intro,
                text: "intro\n".into(),
            },
            Event {
                kind: EventKind::Call,
                text: "call\n".into(),
            },
            Event {
                kind: EventKind::Packet(0),
                text: "packet\n".into(),
            },
            Event {
                kind: EventKind::End,
                text: "end\n".into(),
            },
        ]
    }

    fn run(input: &str) -> (String, Stepped) {
        let mut out = Vec::new();
        let explain = |frame: usize| format!("explained frame {frame}\n");
        let stepped = step_through(
            &events(),
            &explain,
            &mut input.as_bytes(),
            &mut out,
            Lang::En,
            true,
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), stepped)
    }

    #[test]
    fn enter_back_explain_and_quit() {
        let (text, stepped) = run("?\n\n\n?\nb\n\nx\nq\n");
        assert_eq!(stepped, Stepped::Quit);
        let shown: Vec<&str> = text.lines().filter(|line| !line.starts_with('[')).collect();
        assert_eq!(
            shown,
            [
                "intro",
                "(no packet yet: press Enter until one appears)",
                "call",
                "packet",
                "explained frame 0",
                "◀ back to event 2/4:",
                "call",
                "packet",
                "unknown command \"x\": press Enter, or type b, ? or q",
                "(quit)",
            ],
            "{text}"
        );
        assert!(text.contains("\n[3/4] Enter: next · b: back · ?: explain the packet · q: quit > ?\nexplained frame 0\n"), "{text}");
    }

    #[test]
    fn the_end_of_the_input_shows_the_rest() {
        let (text, stepped) = run("");
        assert_eq!(stepped, Stepped::Finished);
        assert!(text.starts_with("intro\n[1/4]"), "{text}");
        assert!(text.ends_with("\ncall\npacket\nend\n"), "{text}");
        let (text, _) = run("\n\n\n\n\n");
        assert!(text.ends_with("end\n"), "{text}");
    }
}
