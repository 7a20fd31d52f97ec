//! A lesson file as TOML gives it: every value keeps its position in the file, so the validator can say
//! exactly where a problem is.
//!
//! ```toml
//! id = "handshake"
//! level = 1
//! title = { en = "The three-way handshake", zh-CN = "三次握手" }
//! summary = { en = "...", zh-CN = "..." }
//! objectives = [{ en = "...", zh-CN = "..." }]
//! concepts = ["three-way-handshake", "isn"]
//!
//! [actors]
//! server = { protocol = "tcp", family = "ipv4" }
//! client = { protocol = "tcp", family = "ipv4" }
//!
//! [[step]]
//! actor = "client"
//! call = "connect(server)"
//! result = 0
//! packets = [
//!   "client > server S seq 0",
//!   "server > client S. seq 0 ack 1",
//!   "client > server . seq 1 ack 1",
//! ]
//! narration = { en = "...", zh-CN = "..." }
//!
//! [[question]]
//! kind = "synack-ack"
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLesson {
    pub id: Spanned<String>,
    pub level: Spanned<i64>,
    pub title: Spanned<RawText>,
    pub summary: Spanned<RawText>,
    #[serde(default)]
    pub objectives: Vec<Spanned<RawText>>,
    #[serde(default)]
    pub concepts: Vec<Spanned<String>>,
    pub actors: Spanned<BTreeMap<Spanned<String>, Spanned<RawActor>>>,
    #[serde(rename = "step")]
    pub steps: Vec<Spanned<RawStep>>,
    #[serde(default, rename = "question")]
    pub questions: Vec<Spanned<RawQuestion>>,
}

/// A text in both languages; either may be missing here, and the validator says which.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    pub en: Option<Spanned<String>>,
    #[serde(rename = "zh-CN")]
    pub zh_cn: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActor {
    pub protocol: Spanned<String>,
    pub family: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub actor: Spanned<String>,
    pub call: Spanned<String>,
    /// A number (the return value) or a string (an errno such as "ECONNREFUSED").
    pub result: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub packets: Vec<Spanned<String>>,
    pub narration: Option<Spanned<RawText>>,
    /// accept() only: the name of the actor that owns the new connection.
    #[serde(rename = "as")]
    pub as_actor: Option<Spanned<String>>,
    /// With `as`: that actor's calls run on a thread of their own.
    pub thread: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub kind: Spanned<String>,
    /// The step the question asks about, for kinds that need one.
    pub step: Option<Spanned<i64>>,
}

/// Parses the TOML; the error carries the byte range TOML reported.
pub(crate) fn parse(source: &str) -> Result<RawLesson, (String, Option<std::ops::Range<usize>>)> {
    toml::from_str(source).map_err(|error| (error.message().to_string(), error.span()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_lesson_keeps_positions() {
        let source = r#"
id = "demo"
level = 1
title = { en = "Demo", zh-CN = "演示" }
summary = { en = "S", zh-CN = "概要" }
concepts = ["port"]

[actors]
server = { protocol = "tcp" }
client = { protocol = "tcp", family = "ipv6" }

[[step]]
actor = "server"
call = "listen(1)"
result = 0

[[step]]
actor = "client"
call = "connect(server)"
packets = ["client > server S seq 0"]
"#;
        let lesson = parse(source).unwrap();
        assert_eq!(lesson.id.get_ref(), "demo");
        assert_eq!(&source[lesson.id.span()], "\"demo\"");
        let names: Vec<&str> = lesson
            .actors
            .get_ref()
            .keys()
            .map(|key| key.get_ref().as_str())
            .collect();
        assert_eq!(names, ["client", "server"]);
        let client_key = lesson.actors.get_ref().keys().next().unwrap();
        assert_eq!(&source[client_key.span()], "client");
        assert_eq!(lesson.steps.len(), 2);
        let packet = &lesson.steps[1].get_ref().packets[0];
        assert_eq!(&source[packet.span()], "\"client > server S seq 0\"");
        assert_eq!(
            lesson.steps[0].get_ref().result.as_ref().unwrap().get_ref(),
            &toml::Value::Integer(0)
        );
    }

    #[test]
    fn toml_mistakes_come_with_a_position() {
        let (message, span) = parse("id = \"x\"\nlevel = \n").unwrap_err();
        assert!(!message.is_empty());
        assert!(span.is_some());
        let (message, _) = parse("id = \"x\"\nlevl = 1\n").unwrap_err();
        assert!(message.contains("levl"), "{message}");
    }
}
