//! `socklab replay FILE`: explain a capture file, streaming, with no privileges.

use super::output::{OutputTarget, Style};
use crate::app_error::AppError;
use crate::capture::{CaptureError, FileSource, FrameSource, Next};
use crate::cli::ReplayArgs;
use crate::pipeline::Pipeline;
use crate::render::RunInfo;
use std::path::Path;

pub fn replay(args: &ReplayArgs, style: Style) -> Result<(), AppError> {
    let mut source = open_source(&args.file)?;
    let name = args.file.display().to_string();
    let mut target = OutputTarget::open(&args.output, style, &format!("socklab replay of {name}"))?;
    target.sink.begin(&RunInfo {
        title: name.clone(),
        description: None,
        lang: style.lang,
        source: name.clone(),
    })?;

    let capture_writer = target.capture.as_mut().map(|(_, writer)| writer);
    let mut pipeline = Pipeline::new(target.sink.as_mut(), capture_writer, style.lang);
    // A damaged file still shows every frame before the damage; the error comes after the summary.
    let mut read_error: Option<CaptureError> = None;
    loop {
        match source.next_frame() {
            Ok(Next::Frame(frame)) => pipeline.frame(&frame)?,
            Ok(Next::Idle) => continue,
            Ok(Next::End) => break,
            Err(error) => {
                read_error = Some(error);
                break;
            }
        }
    }
    pipeline.finish(&source.stats())?;
    if let Some((path, writer)) = target.capture.take() {
        writer
            .finish()
            .map_err(|source| AppError::WriteFile { path, source })?;
    }
    match read_error {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

fn open_source(path: &Path) -> Result<FileSource, CaptureError> {
    if path.as_os_str() == "-" {
        FileSource::from_reader("standard input", std::io::stdin())
    } else {
        FileSource::open(path)
    }
}
