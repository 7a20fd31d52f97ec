//! A malformed lesson file gets `file:line:column`, a sentence saying what is wrong, and the offending
//! line with the bad part underlined; never a panic. Each broken file in tests/lesson_errors/ has its
//! message snapshot-tested.

mod common;

use socklab::lesson::{self, LessonError};

/// The error `lesson::load` gives for a file of tests/lesson_errors/.
fn error_of(file: &str) -> String {
    let path = common::repo_path(&format!("tests/lesson_errors/{file}"));
    let source = std::fs::read_to_string(&path).expect("read the broken lesson");
    let name = format!("tests/lesson_errors/{file}");
    match lesson::load(&name, &source) {
        Ok(_) => panic!("{name} was accepted"),
        Err(error @ LessonError::Invalid(_)) => error.to_string(),
        Err(other) => panic!("{name}: not a diagnostic: {other}"),
    }
}

#[test]
fn every_broken_lesson_gets_a_located_sentence() {
    let mut files: Vec<String> = std::fs::read_dir(common::repo_path("tests/lesson_errors"))
        .expect("list tests/lesson_errors")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{files:?}");
    for file in &files {
        let text = error_of(file);
        // Every diagnostic starts with the file, a line and a column, and says what is wrong in a sentence.
        let headers: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("tests/lesson_errors/"))
            .collect();
        assert!(!headers.is_empty(), "{file}: {text}");
        for header in headers {
            let rest = header
                .strip_prefix(&format!("tests/lesson_errors/{file}:"))
                .unwrap_or_else(|| panic!("{file}: {header}"));
            let mut parts = rest.splitn(3, ':');
            let line: usize = parts.next().unwrap().parse().expect("a line number");
            let column: usize = parts.next().unwrap().parse().expect("a column number");
            assert!(line >= 1 && column >= 1, "{header}");
            let sentence = parts.next().unwrap().trim();
            assert!(
                sentence.starts_with(|c: char| c.is_uppercase() || c == '`'),
                "{header}"
            );
            assert!(sentence.ends_with(['.', '?']), "{header}");
        }
        insta::assert_snapshot!(file.trim_end_matches(".toml").to_string(), text);
    }
}

#[test]
fn a_lesson_cut_anywhere_is_refused_without_a_panic() {
    for (file, source) in lesson::builtin_files() {
        let mut cut = 0;
        while cut < source.len() {
            if source.is_char_boundary(cut) {
                if let Ok(lesson) = lesson::load(file, &source[..cut]) {
                    assert!(!lesson.steps.is_empty(), "{file} cut at {cut}");
                }
            }
            cut += 23;
        }
    }
}
