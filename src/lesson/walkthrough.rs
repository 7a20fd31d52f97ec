//! The walkthrough of a lesson's run: its introduction, then every step's narration followed by the calls
//! and packets the step caused (the ladder growing row by row), the summary, and the questions.
//!
//! It is built as a list of events, so `--step` can show them one at a time. The output is stable: the
//! ladder and JSON renderers run in their stable mode (names instead of ports, steps instead of times).

use super::error::LessonError;
use super::facts::PacketFacts;
use super::model::{Lesson, Role};
use super::quiz::{self, Answer, QuizInput};
use super::runner::LessonRun;
use super::text::tr;
use crate::analysis::{FlowInfo, Summary, Verdict};
use crate::capture::{CaptureStats, CaptureWriter, Frame};
use crate::decode::{DecodeError, Packet};
use crate::lang::Lang;
use crate::pipeline::Pipeline;
use crate::render::color::{Palette, Tone};
use crate::render::text::{width, wrap};
use crate::render::{JsonRenderer, LadderOptions, LadderRenderer, RunInfo, Sink};
use crate::timeline::{SocketCall, TimelineEntry};
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::rc::Rc;

/// The schema tag of the lesson's own JSON records (the timeline's records keep theirs).
pub const LESSON_SCHEMA: &str = "socklab.lesson/1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug)]
pub struct WalkOptions {
    pub lang: Lang,
    pub color: bool,
    pub width: usize,
    pub format: WalkFormat,
    /// Leave the answers out: `--quiz` asks the questions instead.
    pub quiz: bool,
    /// Where the packets came from, in words ("lo in a private network").
    pub network: &'static str,
}

/// One piece of the walkthrough: what `--step` shows per Enter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Intro,
    /// The narration of step `n` (1-based).
    Step(usize),
    Call,
    /// A packet: the index of its frame in the run.
    Packet(usize),
    Summary,
    Questions,
    End,
}

pub struct Walkthrough {
    pub events: Vec<Event>,
    pub facts: Vec<PacketFacts>,
    pub answers: Vec<Answer>,
    pub summary: Summary,
}

/// Renders `run` of `lesson`; the captured frames are also written to `capture` when given.
pub fn build(
    lesson: &Lesson,
    run: &LessonRun,
    options: WalkOptions,
    capture: Option<&mut CaptureWriter<BufWriter<File>>>,
) -> Result<Walkthrough, LessonError> {
    let out = SharedBuf::default();
    let state = SinkState::default();
    let inner = match options.format {
        WalkFormat::Text => Inner::Ladder(
            LadderRenderer::new(
                out.clone(),
                LadderOptions {
                    color: options.color,
                    lang: options.lang,
                    width: options.width,
                },
            )
            .with_stable_names(run.names.clone()),
        ),
        WalkFormat::Json => {
            Inner::Json(JsonRenderer::new(out.clone()).with_stable_names(run.names.clone()))
        }
    };
    let mut sink = LessonSink {
        inner,
        state: state.clone(),
    };
    let mut writer = Narrator {
        out: out.clone(),
        options,
        palette: Palette::new(options.color),
    };
    let mut events = Vec::new();
    let io = |error: io::Error| LessonError::Read {
        path: "the walkthrough".into(),
        source: error,
    };

    writer.intro(lesson).map_err(io)?;
    sink.begin(&RunInfo {
        title: format!(
            "{} ({})",
            lesson.title.get(options.lang),
            family_name(lesson)
        ),
        description: Some(lesson.summary.get(options.lang).to_string()),
        lang: options.lang,
        source: match options.lang {
            Lang::En => format!("live capture on {}", options.network),
            Lang::ZhCn => format!("在{} 上实时抓包", options.network),
        },
    })
    .map_err(io)?;
    events.push(Event {
        kind: EventKind::Intro,
        text: out.take(),
    });

    let summary = {
        let mut pipeline = Pipeline::new(&mut sink, capture, options.lang);
        let mut next_step = 0;
        for (index, entry) in run.run.timeline.iter().enumerate() {
            while run.step_starts.get(next_step) == Some(&index) {
                state.step.set(next_step);
                writer.step(lesson, next_step).map_err(io)?;
                events.push(Event {
                    kind: EventKind::Step(next_step + 1),
                    text: out.take(),
                });
                next_step += 1;
            }
            match entry {
                TimelineEntry::Call(call) => {
                    pipeline.call(call).map_err(io)?;
                    events.push(Event {
                        kind: EventKind::Call,
                        text: out.take(),
                    });
                }
                TimelineEntry::Frame(frame) => {
                    if let Some(owned) = run.run.frames.get(*frame) {
                        pipeline.frame(&owned.as_frame()).map_err(io)?;
                        events.push(Event {
                            kind: EventKind::Packet(*frame),
                            text: out.take(),
                        });
                    }
                }
            }
        }
        pipeline.finish(&run.run.stats).map_err(io)?
    };
    events.push(Event {
        kind: EventKind::Summary,
        text: out.take(),
    });

    let facts = state.facts.take();
    let answers = quiz::answers(&QuizInput {
        lesson,
        run,
        facts: &facts,
        summary: &summary,
        lang: options.lang,
    })?;
    if !options.quiz && !answers.is_empty() {
        writer.answers(&answers).map_err(io)?;
        events.push(Event {
            kind: EventKind::Questions,
            text: out.take(),
        });
    }
    writer.end(lesson, facts.len()).map_err(io)?;
    events.push(Event {
        kind: EventKind::End,
        text: out.take(),
    });
    Ok(Walkthrough {
        events,
        facts,
        answers,
        summary,
    })
}

fn family_name(lesson: &Lesson) -> &'static str {
    let ip = lesson
        .actors
        .iter()
        .any(|actor| actor.protocol != super::model::Protocol::Unix);
    match (ip, lesson.family) {
        (false, _) => "AF_UNIX",
        (true, crate::scenario::Family::V4) => "IPv4, 127.0.0.1",
        (true, crate::scenario::Family::V6) => "IPv6, ::1",
    }
}

/// An output buffer shared by the renderer and the narrator, taken piece by piece as events.
#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> String {
        let bytes = std::mem::take(&mut *self.0.borrow_mut());
        String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }
}

impl Write for SharedBuf {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Clone, Default)]
struct SinkState {
    /// The step whose entries are being rendered (0-based).
    step: Rc<Cell<usize>>,
    facts: Rc<RefCell<Vec<PacketFacts>>>,
}

enum Inner {
    Ladder(LadderRenderer<SharedBuf>),
    Json(JsonRenderer<SharedBuf>),
}

/// The renderer, plus what the lesson needs to remember of every packet.
struct LessonSink {
    inner: Inner,
    state: SinkState,
}

impl LessonSink {
    fn sink(&mut self) -> &mut dyn Sink {
        match &mut self.inner {
            Inner::Ladder(ladder) => ladder,
            Inner::Json(json) => json,
        }
    }
}

impl Sink for LessonSink {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        self.sink().begin(info)
    }
    fn call(&mut self, call: &SocketCall) -> io::Result<()> {
        self.sink().call(call)
    }
    fn packet(
        &mut self,
        packet: &Packet<'_>,
        verdict: &Verdict,
        flow: Option<&FlowInfo>,
    ) -> io::Result<()> {
        let step = self.state.step.get();
        self.state
            .facts
            .borrow_mut()
            .push(PacketFacts::new(packet, verdict, step));
        if let Inner::Ladder(ladder) = &mut self.inner {
            ladder.set_step(u32::try_from(step + 1).unwrap_or(u32::MAX));
        }
        self.sink().packet(packet, verdict, flow)
    }
    fn undecodable(&mut self, frame: &Frame<'_>, error: &DecodeError) -> io::Result<()> {
        self.sink().undecodable(frame, error)
    }
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        self.sink().finish(summary, stats)
    }
}

/// Writes the lesson's own words: introduction, step narration, answers, closing line.
struct Narrator {
    out: SharedBuf,
    options: WalkOptions,
    palette: Palette,
}

impl Narrator {
    fn lang(&self) -> Lang {
        self.options.lang
    }

    fn json<T: serde::Serialize>(&mut self, record: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }

    /// `text` wrapped to the width, every line starting with `indent` spaces (`first` on the first).
    fn wrapped(&mut self, tone: Tone, first: &str, indent: usize, text: &str) -> io::Result<()> {
        let max = self.options.width.saturating_sub(indent).max(20);
        for (index, line) in wrap(text, max).enumerate() {
            if index == 0 {
                self.out.write_all(first.as_bytes())?;
                let pad = indent.saturating_sub(width(first));
                self.out.write_all(" ".repeat(pad).as_bytes())?;
            } else {
                self.out.write_all(" ".repeat(indent).as_bytes())?;
            }
            self.palette.paint(&mut self.out, tone, line)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn intro(&mut self, lesson: &Lesson) -> io::Result<()> {
        let lang = self.lang();
        if self.options.format == WalkFormat::Json {
            return self.json(&records::LessonRecord {
                schema: LESSON_SCHEMA,
                kind: "lesson",
                id: &lesson.id,
                file: &lesson.file,
                level: lesson.level,
                title: lesson.title.get(lang),
                summary: lesson.summary.get(lang),
                objectives: lesson
                    .objectives
                    .iter()
                    .map(|objective| objective.get(lang))
                    .collect(),
                concepts: lesson
                    .concepts
                    .iter()
                    .map(|concept| records::ConceptRecord {
                        id: concept.id,
                        name: concept.name(lang),
                    })
                    .collect(),
                actors: lesson
                    .actors
                    .iter()
                    .map(|actor| records::ActorRecord {
                        name: &actor.name,
                        role: actor.role,
                        protocol: actor.protocol,
                        thread: actor.thread,
                    })
                    .collect(),
                network: family_name(lesson),
                steps: lesson.steps.len(),
                lang,
            });
        }
        let heading = format!(
            "{} {} · {} {} · {}",
            tr(lang, "Lesson", "课程"),
            lesson.id,
            tr(lang, "level", "难度"),
            lesson.level,
            lesson.file
        );
        self.wrapped(Tone::Detail, "", 0, &heading)?;
        if !lesson.objectives.is_empty() {
            let label = tr(lang, "You will learn to:", "学习目标：");
            self.palette.paint(&mut self.out, Tone::Heading, label)?;
            self.out.write_all(b"\n")?;
            for objective in &lesson.objectives {
                self.wrapped(Tone::Plain, "  • ", 4, objective.get(lang))?;
            }
        }
        let concepts = lesson
            .concepts
            .iter()
            .map(|concept| concept.name(lang))
            .collect::<Vec<_>>()
            .join(tr(lang, ", ", "、"));
        let label = tr(lang, "Concepts: ", "概念：");
        self.wrapped(Tone::Plain, label, width(label), &concepts)?;
        let actors = lesson
            .actors
            .iter()
            .filter(|actor| actor.accepted_in.is_none())
            .map(|actor| format!("{} ({})", actor.name, actor.protocol.name().to_uppercase()))
            .collect::<Vec<_>>()
            .join(tr(lang, ", ", "、"));
        let label = tr(lang, "Actors: ", "角色：");
        self.wrapped(Tone::Plain, label, width(label), &actors)?;
        self.out.write_all(b"\n")
    }

    fn step(&mut self, lesson: &Lesson, index: usize) -> io::Result<()> {
        let lang = self.lang();
        let Some(step) = lesson.steps.get(index) else {
            return Ok(());
        };
        let actor = &lesson.actor(step.actor).name;
        let narration = step.narration.as_ref().map(|text| text.get(lang));
        if self.options.format == WalkFormat::Json {
            return self.json(&records::StepRecord {
                schema: LESSON_SCHEMA,
                kind: "step",
                step: step.number,
                line: step.line,
                actor,
                call: &step.written,
                narration,
                expects: step
                    .packets
                    .iter()
                    .map(|packet| records::ExpectRecord {
                        packet: &packet.written,
                        optional: packet.optional,
                    })
                    .collect(),
                result: step.expected.as_ref().map(|expected| match expected {
                    super::model::Expected::Value(value) => json!(value),
                    super::model::Expected::Errno(errno) => json!(errno),
                }),
            });
        }
        let shown_actor = match (actor.as_str(), lesson.actor(step.actor).role) {
            ("client", Role::Client) => tr(lang, "client", "客户端"),
            ("server", Role::Server) => tr(lang, "server", "服务器"),
            _ => actor.as_str(),
        };
        let title = format!(
            "── {} {}/{} · {shown_actor}{}{} ",
            tr(lang, "Step", "步骤"),
            step.number,
            lesson.steps.len(),
            tr(lang, ": ", "："),
            step.written
        );
        let place = format!(" {}:{}", lesson.file, step.line);
        let dashes = self
            .options
            .width
            .saturating_sub(width(&title) + width(&place))
            .max(2);
        self.out.write_all(b"\n")?;
        let line = format!("{title}{}{place}", "─".repeat(dashes));
        self.palette.paint(&mut self.out, Tone::Heading, &line)?;
        self.out.write_all(b"\n")?;
        if let Some(narration) = narration {
            self.wrapped(Tone::Plain, "   ", 3, narration)?;
        }
        let label = tr(lang, "   expects: ", "   预期的包：");
        let indent = width(label);
        if step.packets.is_empty() {
            let none = tr(lang, "no packets", "没有包");
            self.wrapped(Tone::Detail, label, indent, none)?;
        }
        for (number, packet) in step.packets.iter().enumerate() {
            let first = if number == 0 { label } else { "" };
            let text = if packet.optional {
                format!("{} {}", packet.written, tr(lang, "(optional)", "（可选）"))
            } else {
                packet.written.clone()
            };
            self.wrapped(Tone::Detail, first, indent, &text)?;
        }
        if let Some(expected) = &step.expected {
            let label = tr(lang, "   returns: ", "   返回值：");
            let text = match expected {
                super::model::Expected::Value(value) => value.to_string(),
                super::model::Expected::Errno(errno) => format!("-1, errno = {errno}"),
            };
            self.wrapped(Tone::Detail, label, width(label), &text)?;
        }
        Ok(())
    }

    fn answers(&mut self, answers: &[Answer]) -> io::Result<()> {
        let lang = self.lang();
        if self.options.format == WalkFormat::Json {
            for answer in answers {
                self.json(&records::QuestionRecord {
                    schema: LESSON_SCHEMA,
                    kind: "question",
                    number: answer.number,
                    question_kind: answer.kind.name(),
                    question: &answer.question,
                    answer: &answer.answer,
                    derivation: &answer.derivation,
                })?;
            }
            return Ok(());
        }
        self.out.write_all(b"\n")?;
        let heading = tr(
            lang,
            "Check yourself (every answer is computed from this run's capture)",
            "自我检测（每个答案都由本次运行的抓包计算得出）",
        );
        self.palette.paint(&mut self.out, Tone::Heading, heading)?;
        self.out.write_all(b"\n")?;
        for answer in answers {
            let number = format!("  {}. ", answer.number);
            let indent = width(&number);
            self.wrapped(Tone::Plain, &number, indent, &answer.question)?;
            let label = format!("{}{}", " ".repeat(indent), tr(lang, "Answer: ", "答案："));
            self.wrapped(Tone::Call, &label, width(&label), &answer.answer)?;
            let label = format!("{}{}", " ".repeat(indent), tr(lang, "Why: ", "原因："));
            self.wrapped(Tone::Detail, &label, width(&label), &answer.derivation)?;
        }
        Ok(())
    }

    fn end(&mut self, lesson: &Lesson, packets: usize) -> io::Result<()> {
        let lang = self.lang();
        let steps = lesson.steps.len();
        if self.options.format == WalkFormat::Json {
            return self.json(&records::EndRecord {
                schema: LESSON_SCHEMA,
                kind: "end",
                steps,
                packets,
                expectations_met: true,
            });
        }
        let text = match lang {
            Lang::En => format!("✓ All {steps} steps ran, and every packet came exactly as the lesson expects ({packets} packets)."),
            Lang::ZhCn => format!("✓ 全部 {steps} 步都已运行，每个包都与课程的预期完全一致（共 {packets} 个包）。"),
        };
        self.out.write_all(b"\n")?;
        self.wrapped(Tone::Heading, "", 0, &text)
    }
}

/// The lesson's own JSON records, `schema` and `type` first like the timeline's.
mod records {
    use super::super::model::{Protocol, Role};
    use crate::lang::Lang;
    use serde::Serialize;

    #[derive(Serialize)]
    pub(super) struct LessonRecord<'a> {
        pub schema: &'static str,
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub id: &'a str,
        pub file: &'a str,
        pub level: u8,
        pub title: &'a str,
        pub summary: &'a str,
        pub objectives: Vec<&'a str>,
        pub concepts: Vec<ConceptRecord>,
        pub actors: Vec<ActorRecord<'a>>,
        pub network: &'static str,
        pub steps: usize,
        pub lang: Lang,
    }

    #[derive(Serialize)]
    pub(super) struct ConceptRecord {
        pub id: &'static str,
        pub name: &'static str,
    }

    #[derive(Serialize)]
    pub(super) struct ActorRecord<'a> {
        pub name: &'a str,
        pub role: Role,
        pub protocol: Protocol,
        pub thread: bool,
    }

    #[derive(Serialize)]
    pub(super) struct StepRecord<'a> {
        pub schema: &'static str,
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub step: usize,
        pub line: usize,
        pub actor: &'a str,
        pub call: &'a str,
        pub narration: Option<&'a str>,
        pub expects: Vec<ExpectRecord<'a>>,
        pub result: Option<serde_json::Value>,
    }

    #[derive(Serialize)]
    pub(super) struct ExpectRecord<'a> {
        pub packet: &'a str,
        pub optional: bool,
    }

    #[derive(Serialize)]
    pub(super) struct QuestionRecord<'a> {
        pub schema: &'static str,
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub number: usize,
        pub question_kind: &'static str,
        pub question: &'a str,
        pub answer: &'a str,
        pub derivation: &'a str,
    }

    #[derive(Serialize)]
    pub(super) struct EndRecord {
        pub schema: &'static str,
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub steps: usize,
        pub packets: usize,
        pub expectations_met: bool,
    }
}
