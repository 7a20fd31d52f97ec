//! The built-in lessons, compiled into the binary so `socklab lesson handshake` works from any folder,
//! and finding a lesson by id or by the path of its file.

use super::error::LessonError;
use super::model::Lesson;
use super::validate::load;
use std::path::Path;

/// `("lessons/<file>", <its text>)` for each file named.
macro_rules! lesson_files {
    ($($file:literal),* $(,)?) => {
        &[$((concat!("lessons/", $file), include_str!(concat!("../../lessons/", $file)))),*]
    };
}

/// Every file of lessons/, in course order (the file names' numbers).
const BUILTIN: &[(&str, &str)] = lesson_files![
    "01-addresses.toml",
    "02-handshake.toml",
    "03-data.toml",
    "04-stream-vs-datagram.toml",
    "05-teardown-4.toml",
    "06-teardown-3.toml",
    "07-half-close.toml",
    "08-time-wait.toml",
    "09-refused.toml",
    "10-abort.toml",
    "11-udp.toml",
    "12-udp-closed-port.toml",
    "13-threads.toml",
    "14-ipv6.toml",
    "15-unix.toml",
    "16-tcp-vs-udp.toml",
];

/// The built-in lessons, in course order. They are checked by the test suite, so they always load.
pub fn catalogue() -> Result<Vec<Lesson>, LessonError> {
    BUILTIN
        .iter()
        .map(|(file, source)| load(file, source))
        .collect()
}

/// A lesson by id (`handshake`) or by the path of a lesson file (`lessons/02-handshake.toml`,
/// `./my-lesson.toml`).
pub fn find(name: &str) -> Result<Lesson, LessonError> {
    if name.ends_with(".toml") || name.contains('/') {
        let path = Path::new(name);
        let source = std::fs::read_to_string(path).map_err(|source| LessonError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        return load(name, &source);
    }
    let lessons = catalogue()?;
    let available = lessons
        .iter()
        .map(|lesson| lesson.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    lessons
        .into_iter()
        .find(|lesson| lesson.id == name)
        .ok_or_else(|| LessonError::Unknown {
            name: name.to_string(),
            available,
        })
}

/// The built-in lesson files: (path as shown, text).
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_lessons_is_built_in_and_loads_with_a_unique_id() {
        let lessons = catalogue().unwrap_or_else(|error| panic!("{error}"));
        let mut on_disk: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
                .unwrap()
                .map(|entry| format!("lessons/{}", entry.unwrap().file_name().to_string_lossy()))
                .filter(|name| name.ends_with(".toml"))
                .collect();
        on_disk.sort();
        let built_in: Vec<String> = BUILTIN.iter().map(|(file, _)| file.to_string()).collect();
        assert_eq!(
            built_in, on_disk,
            "add new lesson files to BUILTIN in src/lesson/catalog.rs"
        );
        for (index, lesson) in lessons.iter().enumerate() {
            assert!(
                !lessons[..index].iter().any(|other| other.id == lesson.id),
                "two lessons are called {}",
                lesson.id
            );
        }
    }

    #[test]
    fn every_concept_of_the_seed_tutorials_has_a_lesson() {
        let lessons = catalogue().unwrap();
        for (topic, id) in super::super::concepts::SEED_TOPICS {
            assert!(
                lessons
                    .iter()
                    .any(|lesson| lesson.concepts.iter().any(|concept| concept.id == *id)),
                "no lesson teaches {id} ({topic})"
            );
        }
        for lesson in &lessons {
            assert!(!lesson.questions.is_empty(), "{} asks nothing", lesson.id);
            assert!(
                lesson
                    .steps
                    .iter()
                    .filter(|step| step.narration.is_some())
                    .count()
                    * 2
                    >= lesson.steps.len().min(8),
                "{} narrates too few steps",
                lesson.id
            );
        }
    }

    #[test]
    fn lessons_are_found_by_id_and_unknown_ids_list_the_real_ones() {
        assert_eq!(find("handshake").unwrap().id, "handshake");
        let error = find("handshak").unwrap_err().to_string();
        assert!(
            error.contains("\"handshak\"") && error.contains("handshake"),
            "{error}"
        );
        let error = find("nowhere/lesson.toml").unwrap_err().to_string();
        assert!(
            error.contains("cannot read the lesson file nowhere/lesson.toml"),
            "{error}"
        );
    }
}
