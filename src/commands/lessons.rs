//! `socklab lessons`: the catalogue of built-in lessons, in the chosen language.

use super::output::Style;
use crate::app_error::AppError;
use crate::lang::Lang;
use crate::lesson;
use crate::render::text::{width, wrap};
use std::io::Write;

pub fn lessons(style: Style) -> Result<(), AppError> {
    let lessons = lesson::catalogue()?;
    let mut out = std::io::stdout().lock();
    write_catalogue(&mut out, &lessons, style.lang, style.width)?;
    Ok(())
}

/// One entry per lesson: number, id, level and title, then its concepts on an indented line.
pub(crate) fn write_catalogue(
    out: &mut dyn Write,
    lessons: &[lesson::Lesson],
    lang: Lang,
    columns: usize,
) -> std::io::Result<()> {
    let (heading, level_word, hint, separator) = match lang {
        Lang::En => ("Lessons", "level", "Run one with: socklab lesson <id>   (add --step to go event by event, --quiz for questions)", ", "),
        Lang::ZhCn => ("课程", "难度", "运行课程：socklab lesson <id>   （加 --step 逐个事件查看，加 --quiz 做测验）", "、"),
    };
    writeln!(out, "{heading}")?;
    let id_width = lessons
        .iter()
        .map(|lesson| width(&lesson.id))
        .max()
        .unwrap_or(0);
    let indent = 4 + id_width + 2;
    for (number, lesson) in lessons.iter().enumerate() {
        writeln!(
            out,
            "{:>2}. {}{}  {} {}  {}",
            number + 1,
            lesson.id,
            " ".repeat(id_width - width(&lesson.id)),
            level_word,
            lesson.level,
            lesson.title.get(lang)
        )?;
        let concepts = lesson
            .concepts
            .iter()
            .map(|concept| concept.name(lang))
            .collect::<Vec<_>>()
            .join(separator);
        for line in wrap(&concepts, columns.saturating_sub(indent).max(20)) {
            writeln!(out, "{}{line}", " ".repeat(indent))?;
        }
    }
    writeln!(out, "\n{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_every_lesson_in_each_language() {
        let lessons = lesson::catalogue().unwrap();
        for lang in [Lang::En, Lang::ZhCn] {
            let mut out = Vec::new();
            write_catalogue(&mut out, &lessons, lang, 100).unwrap();
            let text = String::from_utf8(out).unwrap();
            for lesson in &lessons {
                assert!(text.contains(&lesson.id), "{text}");
                assert!(text.contains(lesson.title.get(lang)), "{text}");
            }
            assert!(text.lines().all(|line| width(line) <= 100), "{text}");
        }
    }
}
