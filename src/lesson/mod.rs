//! Lessons: scripts in lessons/*.toml that drive the scenario engine step by step, and walkthroughs that
//! explain every call and packet in English or Chinese.
//!
//! Like packetdrill's .pkt scripts, a lesson puts socket calls and the packets they must cause on one
//! timeline; sequence numbers are relative to the ISN and `...` accepts any value. A lesson that does not
//! match its run fails with the file, line, step, and the expected and actual packet.

mod action;
mod catalog;
mod concepts;
mod error;
mod explain;
mod facts;
mod file;
mod lexer;
mod model;
mod ops;
mod packet_spec;
mod question_kind;
mod quiz;
mod runner;
mod stepper;
mod text;
mod validate;
mod walkthrough;

pub use catalog::{builtin_files, catalogue, find};
pub use concepts::{Concept, CONCEPTS, SEED_TOPICS};
pub use error::{Diagnostic, LessonError};
pub use explain::explain;
pub use facts::{PacketFacts, TransportFacts};
pub use model::{
    Action, Actor, Expected, Lesson, PacketKind, PacketSpec, PortArg, Protocol, Question, Role,
    Step,
};
pub use question_kind::QuestionKind;
pub use quiz::{ask, Answer, Score};
pub use runner::{run, CallResult, LessonRun};
pub use stepper::{step_through, Stepped};
pub use text::Text;
pub use validate::load;
pub use walkthrough::{
    build, Event, EventKind, WalkFormat, WalkOptions, Walkthrough, LESSON_SCHEMA,
};
