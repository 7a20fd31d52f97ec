//! Choosing the renderer and the capture file for a command's output.

use crate::app_error::AppError;
use crate::capture::CaptureWriter;
use crate::cli::{Format, OutputArgs};
use crate::lang::Lang;
use crate::render::{
    ColorChoice, HtmlWalkthrough, JsonRenderer, LadderOptions, LadderRenderer, MermaidDiagram,
    PictureRenderer, Sink, StevensGraph, SvgDiagram,
};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};

/// Presentation settings resolved once from the command line and the environment.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub lang: Lang,
    pub width: usize,
}

impl Style {
    pub fn resolve(choice: ColorChoice, lang: Option<Lang>, width: Option<usize>) -> Style {
        let is_terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR");
        Style {
            color: choice.resolve(no_color.as_deref(), is_terminal),
            lang: lang.unwrap_or_else(Lang::from_env),
            width: width
                .unwrap_or_else(|| terminal_width().unwrap_or(100))
                .clamp(60, 400),
        }
    }
}

fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize into the struct we own; failure leaves it zeroed.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

/// Bytes of output gathered before each write to stdout.
const STDOUT_BUFFER: usize = 256 * 1024;

/// Where a command writes: the renderer on stdout, and optionally a capture file.
pub struct OutputTarget {
    pub sink: Box<dyn Sink>,
    pub capture: Option<(std::path::PathBuf, CaptureWriter<BufWriter<File>>)>,
}

impl OutputTarget {
    pub fn open(args: &OutputArgs, style: Style, section_comment: &str) -> Result<Self, AppError> {
        // A concrete writer, not a `Box<dyn Write>`: the renderers issue many small writes per packet,
        // and each would otherwise be a dynamic call. A replay writes about 1.3 KB of JSON per packet,
        // so the buffer is large enough to keep system calls rare.
        let stdout = BufWriter::with_capacity(STDOUT_BUFFER, std::io::stdout().lock());
        Self::open_to(args, style, section_comment, stdout)
    }

    /// Like [`OutputTarget::open`], but the renderer writes to `out` instead of stdout. The renderer is
    /// built for `out`'s own type, so pass a concrete writer rather than a `Box<dyn Write>` where speed
    /// matters.
    pub fn open_to<W: Write + 'static>(
        args: &OutputArgs,
        style: Style,
        section_comment: &str,
        stdout: W,
    ) -> Result<Self, AppError> {
        let sink: Box<dyn Sink> = match args.format {
            Format::Text => Box::new(LadderRenderer::new(
                stdout,
                LadderOptions {
                    color: style.color,
                    lang: style.lang,
                    width: style.width,
                },
            )),
            Format::Json => Box::new(JsonRenderer::new(stdout)),
            Format::Svg => Box::new(PictureRenderer::new(SvgDiagram, stdout)),
            Format::Html => Box::new(PictureRenderer::new(HtmlWalkthrough, stdout)),
            Format::Mermaid => Box::new(PictureRenderer::new(MermaidDiagram, stdout)),
            Format::Stevens => Box::new(PictureRenderer::new(StevensGraph, stdout)),
        };
        let capture = match &args.write {
            Some(path) => {
                let writer = CaptureWriter::create_with_comment(path, Some(section_comment))
                    .map_err(|source| AppError::WriteFile {
                        path: path.clone(),
                        source,
                    })?;
                Some((path.clone(), writer))
            }
            None => None,
        };
        Ok(OutputTarget { sink, capture })
    }
}
