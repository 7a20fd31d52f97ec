//! Lessons: scripts in lessons/*.toml that drive the scenario engine step by step, and walkthroughs that
//! explain every call and packet in English or Chinese.
//!
//! Like packetdrill's .pkt scripts, a lesson puts socket calls and the packets they must cause on one
//! timeline; sequence numbers are relative to the ISN and `...` accepts any value. A lesson that does not
//! match its run fails with the file, line, step, and the expected and actual packet.

mod action;
mod concepts;
mod error;
mod file;
mod lexer;
mod model;
mod packet_spec;
mod question_kind;
mod text;
mod validate;

pub use concepts::{Concept, CONCEPTS, SEED_TOPICS};
pub use error::{Diagnostic, LessonError};
pub use model::{
    Action, Actor, Expected, Lesson, PacketKind, PacketSpec, PortArg, Protocol, Question, Role,
    Step,
};
pub use question_kind::QuestionKind;
pub use text::Text;
pub use validate::load;
