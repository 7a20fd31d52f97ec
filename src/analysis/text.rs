//! Annotation text in each language. (Placeholder until the analysis layer writes the real sentences.)

use super::annotation::Annotation;
use crate::lang::Lang;
use std::fmt;

/// Display adapter: `write!(out, "{}", note.text(lang))` writes the sentence without allocating.
pub struct AnnotationText<'a> {
    pub note: &'a Annotation,
    pub lang: Lang,
}

impl Annotation {
    pub fn text(&self, lang: Lang) -> AnnotationText<'_> {
        AnnotationText { note: self, lang }
    }
}

impl fmt::Display for AnnotationText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.note)
    }
}
