//! `socklab lesson <id|path>`: run a lesson on real sockets and walk through it; `--step` goes event by
//! event, `--quiz` asks its questions.

use super::output::{OutputTarget, Style};
use super::run::render_timeline;
use crate::app_error::AppError;
use crate::capture::CaptureWriter;
use crate::cli::{Format, LessonArgs};
use crate::lang::Lang;
use crate::lesson::{self, WalkFormat, WalkOptions};
use crate::render::{
    HtmlWalkthrough, MermaidDiagram, PictureRenderer, RunInfo, Sink, StableNames, SvgDiagram,
};
use crate::sandbox;
use std::io::{BufWriter, IsTerminal, Write};

pub fn lesson(args: &LessonArgs, style: Style) -> Result<(), AppError> {
    // First, while the process is still single-threaded (CLONE_NEWUSER requires it).
    let network = if args.host_net {
        match style.lang {
            Lang::En => "the host's lo",
            Lang::ZhCn => "主机的 lo",
        }
    } else {
        sandbox::enter_private_network()?;
        match style.lang {
            Lang::En => "lo in a private network",
            Lang::ZhCn => "私有网络的 lo",
        }
    };
    let format = match args.output.format {
        Format::Text => WalkFormat::Text,
        Format::Json => WalkFormat::Json,
        Format::Svg | Format::Html | Format::Mermaid | Format::Stevens => {
            if args.step || args.quiz {
                return Err(AppError::Usage(
                    "--step and --quiz talk with a person, so they work with --format text only"
                        .to_string(),
                ));
            }
            return picture(args, style, network);
        }
    };
    if format == WalkFormat::Json && (args.step || args.quiz) {
        return Err(AppError::Usage(
            "--step and --quiz talk with a person, so they work with --format text only"
                .to_string(),
        ));
    }
    let lesson = lesson::find(&args.lesson)?;
    let run = lesson::run(&lesson, style.lang)?;
    // Remarks (retries, kernel drops) go to stderr, so the walkthrough itself is the same on every run.
    for note in &run.run.notes {
        eprintln!("socklab: note: {note}");
    }
    let mut capture = match &args.output.write {
        Some(path) => Some(
            CaptureWriter::create_with_comment(
                path,
                Some(&format!("socklab lesson {}", lesson.id)),
            )
            .map_err(|source| AppError::WriteFile {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let walkthrough = lesson::build(
        &lesson,
        &run,
        WalkOptions {
            lang: style.lang,
            color: style.color,
            width: style.width,
            format,
            quiz: args.quiz,
            network,
        },
        capture.as_mut(),
    )?;
    if let (Some(path), Some(writer)) = (&args.output.write, capture) {
        writer.finish().map_err(|source| AppError::WriteFile {
            path: path.clone(),
            source,
        })?;
    }

    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let stdin = std::io::stdin();
    let echo = !stdin.is_terminal();
    let mut input = stdin.lock();
    if args.step {
        let explain = |frame: usize| match run.run.frames.get(frame) {
            Some(owned) => lesson::explain(
                owned,
                walkthrough
                    .facts
                    .iter()
                    .find(|facts| facts.number == owned.number),
                &run.names,
                style.lang,
                style.width,
            ),
            None => String::new(),
        };
        let stepped = lesson::step_through(
            &walkthrough.events,
            &explain,
            &mut input,
            &mut out,
            style.lang,
            echo,
        )?;
        if stepped == lesson::Stepped::Quit {
            out.flush()?;
            return Ok(());
        }
    } else {
        for event in &walkthrough.events {
            out.write_all(event.text.as_bytes())?;
        }
    }
    if args.quiz {
        lesson::ask(
            &walkthrough.answers,
            &mut input,
            &mut out,
            style.lang,
            style.width,
            echo,
        )?;
    }
    out.flush()?;
    Ok(())
}

/// A lesson drawn as a picture: the lesson's title and summary, then its run's calls and packets.
fn picture(args: &LessonArgs, style: Style, network: &str) -> Result<(), AppError> {
    let lesson = lesson::find(&args.lesson)?;
    let run = lesson::run(&lesson, style.lang)?;
    for note in &run.run.notes {
        eprintln!("socklab: note: {note}");
    }
    let mut target = OutputTarget::open(
        &args.output,
        style,
        &format!("socklab lesson {}", lesson.id),
    )?;
    if let Some(sink) = stable_picture(args.output.format, run.names.clone()) {
        target.sink = sink;
    }
    target.sink.begin(&RunInfo {
        title: lesson.title.get(style.lang).to_string(),
        description: Some(lesson.summary.get(style.lang).to_string()),
        lang: style.lang,
        source: match style.lang {
            Lang::En => format!("live capture on {network}"),
            Lang::ZhCn => format!("在{network} 上实时抓包"),
        },
    })?;
    render_timeline(&run.run, &mut target, style.lang)
}

/// The sequence-diagram pictures in stable mode (named endpoints, no times, even spacing), so a lesson
/// draws the same picture on every run. The time-sequence graph keeps its times: they are its point.
fn stable_picture(format: Format, names: StableNames) -> Option<Box<dyn Sink>> {
    let out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    Some(match format {
        Format::Svg => Box::new(PictureRenderer::new(SvgDiagram, out).with_stable_names(names)),
        Format::Html => {
            Box::new(PictureRenderer::new(HtmlWalkthrough, out).with_stable_names(names))
        }
        Format::Mermaid => {
            Box::new(PictureRenderer::new(MermaidDiagram, out).with_stable_names(names))
        }
        Format::Text | Format::Json | Format::Stevens => return None,
    })
}
