//! From a lesson file to a [`Lesson`]: TOML syntax first, then meaning (unknown actors, missing Chinese
//! text, bad flags patterns, calls a protocol does not have). Every problem is reported with the position
//! of the offending value; all of them at once, in file order.

use super::action::{closest, is_name, parse_call, NameRef, ParsedAction};
use super::concepts::{self, Concept};
use super::error::{Diagnostic, LessonError};
use super::file::{self, RawActor, RawLesson, RawQuestion, RawStep, RawText};
use super::lexer::Problem;
use super::model::{
    Action, Actor, Expected, Lesson, PacketKind, PacketSpec, PortArg, Protocol, Question, Role,
    SocketOption, Step,
};
use super::packet_spec::parse_packet;
use super::question_kind::QuestionKind;
use super::text::Text;
use crate::scenario::Family;
use std::ops::Range;
use toml::Spanned;

/// The errno names a lesson may expect (those the engine names).
pub(crate) const ERRNOS: [&str; 19] = [
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "EAGAIN",
    "EPIPE",
    "ETIMEDOUT",
    "ENOTCONN",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "EINVAL",
    "EINTR",
    "EINPROGRESS",
    "EISCONN",
    "EBADF",
    "EMSGSIZE",
    "EPERM",
    "EACCES",
];

/// Reads a lesson from its text; `file` is how messages name it.
pub fn load(file: &str, source: &str) -> Result<Lesson, LessonError> {
    let raw = file::parse(source).map_err(|(message, span)| {
        let span = span.unwrap_or(0..0);
        LessonError::Invalid(vec![toml_problem(file, source, span, &message)])
    })?;
    let mut validator = Validator {
        file,
        source,
        problems: Vec::new(),
    };
    let lesson = validator.lesson(raw);
    if validator.problems.is_empty() {
        Ok(lesson)
    } else {
        validator
            .problems
            .sort_by_key(|problem| (problem.line, problem.column));
        Err(LessonError::Invalid(validator.problems))
    }
}

/// TOML's own message, as a sentence, with a hint for the usual mistakes.
fn toml_problem(file: &str, source: &str, span: Range<usize>, message: &str) -> Diagnostic {
    let message = message.trim().trim_end_matches('.');
    let mut sentence = format!("This lesson file is not valid TOML for a lesson: {message}.");
    if let Some(first) = sentence.get(..1) {
        sentence.replace_range(..1, &first.to_uppercase());
    }
    let diagnostic = Diagnostic::at(file, source, (span.start, span.end), sentence);
    if message.starts_with("missing field") {
        diagnostic.note("a lesson needs id, level, title, summary, [actors] and at least one [[step]]; see the README's section on writing lessons")
    } else if message.starts_with("unknown field") {
        diagnostic.note("field names are case-sensitive; texts use the keys en and zh-CN")
    } else {
        diagnostic
    }
}

struct Validator<'a> {
    file: &'a str,
    source: &'a str,
    problems: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn problem(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::at(self.file, self.source, (span.start, span.end), message);
        self.problems.push(diagnostic);
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    /// Where the text of a string value starts (after its opening quote or quotes).
    fn content_start(&self, span: &Range<usize>) -> usize {
        let rest = self.source.get(span.start..).unwrap_or("");
        if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            span.start + 3
        } else {
            span.start + 1
        }
    }

    /// A problem found by the call or packet parser, at its place inside the string `span`.
    fn inner_problem(&mut self, span: &Range<usize>, problem: Problem) {
        let start = self.content_start(span);
        let range = if problem.start == usize::MAX {
            span.clone()
        } else {
            start + problem.start..start + problem.end
        };
        self.problem(range, problem.message);
    }

    fn line_column(&self, at: usize) -> (usize, usize) {
        let diagnostic = Diagnostic::at(self.file, self.source, (at, at), "");
        (diagnostic.line, diagnostic.column)
    }

    fn lesson(&mut self, raw: RawLesson) -> Lesson {
        let id = raw.id.get_ref().clone();
        if !is_name(&id) {
            self.problem(
                raw.id.span(),
                format!("The id {id:?} is not a valid lesson id: use lower-case letters, digits and hyphens, starting with a letter (it is what learners type after `socklab lesson`)."),
            );
        }
        let level = *raw.level.get_ref();
        if !(1..=3).contains(&level) {
            self.problem(
                raw.level.span(),
                format!("The level must be 1 (first steps), 2 or 3 (needs earlier lessons), not {level}."),
            );
        }
        let title = self.text(&raw.title, "The title");
        let summary = self.text(&raw.summary, "The summary");
        let objectives = raw
            .objectives
            .iter()
            .enumerate()
            .map(|(index, objective)| self.text(objective, &format!("Objective {}", index + 1)))
            .collect();
        let concepts = self.concepts(&raw.concepts, raw.id.span());
        let (mut actors, family) = self.actors(&raw.actors);
        let steps = raw
            .steps
            .iter()
            .enumerate()
            .filter_map(|(index, step)| self.step(index + 1, step, &mut actors))
            .collect::<Vec<_>>();
        if raw.steps.is_empty() {
            self.problem(raw.actors.span(), "A lesson needs at least one [[step]].");
        }
        let questions = raw
            .questions
            .iter()
            .filter_map(|question| self.question(question, raw.steps.len(), &steps))
            .collect();
        Lesson {
            id,
            file: self.file.to_string(),
            source: self.source.to_string(),
            level: level.clamp(1, 3) as u8,
            title,
            summary,
            objectives,
            concepts,
            actors,
            steps,
            questions,
            family,
        }
    }

    fn text(&mut self, raw: &Spanned<RawText>, what: &str) -> Text {
        let text = raw.get_ref();
        let mut pick = |value: &Option<Spanned<String>>, language: &str, key: &str| -> String {
            match value {
                None => {
                    self.problem(
                        raw.span(),
                        format!("{what} has no {language} text (`{key}`). Every text of a lesson is written in English (en) and Simplified Chinese (zh-CN)."),
                    );
                    String::new()
                }
                Some(value) if value.get_ref().trim().is_empty() => {
                    self.problem(
                        value.span(),
                        format!("{what} has an empty {language} text (`{key}`)."),
                    );
                    String::new()
                }
                Some(value) => value.get_ref().trim().to_string(),
            }
        };
        let en = pick(&text.en, "English", "en");
        let zh_cn = pick(&text.zh_cn, "Chinese", "zh-CN");
        Text { en, zh_cn }
    }

    fn concepts(
        &mut self,
        raw: &[Spanned<String>],
        lesson_span: Range<usize>,
    ) -> Vec<&'static Concept> {
        if raw.is_empty() {
            self.problem(
                lesson_span,
                "The lesson lists no concepts; name at least one (the catalogue shows them).",
            );
        }
        let mut found = Vec::new();
        for id in raw {
            match concepts::find(id.get_ref()) {
                Some(concept) if found.contains(&concept) => {
                    self.problem(
                        id.span(),
                        format!("The concept `{}` is listed twice.", id.get_ref()),
                    );
                }
                Some(concept) => found.push(concept),
                None => {
                    let ids: Vec<&str> = concepts::CONCEPTS
                        .iter()
                        .map(|concept| concept.id)
                        .collect();
                    let hint = closest(id.get_ref(), &ids)
                        .map(|close| format!(" Did you mean `{close}`?"))
                        .unwrap_or_default();
                    self.problem(
                        id.span(),
                        format!("`{}` is not a known concept.{hint}", id.get_ref()),
                    )
                    .notes
                    .push(format!(
                        "the concepts are listed in src/lesson/concepts.rs: {}",
                        ids.join(", ")
                    ));
                }
            }
        }
        found
    }

    fn actors(
        &mut self,
        raw: &Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<RawActor>>>,
    ) -> (Vec<Actor>, Family) {
        let mut actors = Vec::new();
        let mut family: Option<(Family, String)> = None;
        if raw.get_ref().is_empty() {
            self.problem(raw.span(), "The lesson has no actors; declare at least one under [actors], such as server = { protocol = \"tcp\" }.");
        }
        for (name, actor) in raw.get_ref() {
            let role = self.role(name);
            let protocol = match actor.get_ref().protocol.get_ref().as_str() {
                "tcp" => Some(Protocol::Tcp),
                "udp" => Some(Protocol::Udp),
                "unix" => Some(Protocol::Unix),
                other => {
                    self.problem(
                        actor.get_ref().protocol.span(),
                        format!(
                            "`{other}` is not a protocol a lesson can use; write tcp, udp or unix."
                        ),
                    );
                    None
                }
            };
            let Some(protocol) = protocol else {
                actors.push(Actor {
                    name: name.get_ref().clone(),
                    role,
                    protocol: Protocol::Tcp,
                    accepted_in: None,
                    thread: false,
                });
                continue;
            };
            match (&actor.get_ref().family, protocol) {
                (Some(written), Protocol::Unix) => {
                    self.problem(
                        written.span(),
                        "A Unix domain socket has no IP family; leave `family` out for protocol = \"unix\".",
                    );
                }
                (None, Protocol::Unix) => {}
                (written, _) => {
                    let this = match written
                        .as_ref()
                        .map(|value| (value.get_ref().as_str(), value.span()))
                    {
                        None | Some(("ipv4", _)) => Family::V4,
                        Some(("ipv6", _)) => Family::V6,
                        Some((other, span)) => {
                            self.problem(
                                span,
                                format!("`{other}` is not an IP family; write ipv4 or ipv6."),
                            );
                            Family::V4
                        }
                    };
                    match &family {
                        None => family = Some((this, name.get_ref().clone())),
                        Some((first, first_name)) if *first != this => {
                            let span = written.as_ref().map_or(name.span(), |value| value.span());
                            let message = format!(
                                "`{}` uses {this} but `{first_name}` uses {first}. A lesson runs over one IP version, so give every TCP and UDP actor the same family.",
                                name.get_ref()
                            );
                            self.problem(span, message);
                        }
                        Some(_) => {}
                    }
                }
            }
            actors.push(Actor {
                name: name.get_ref().clone(),
                role,
                protocol,
                accepted_in: None,
                thread: false,
            });
        }
        (actors, family.map_or(Family::V4, |(family, _)| family))
    }

    /// An actor's name says its role: it starts with "client" or "server".
    fn role(&mut self, name: &Spanned<String>) -> Role {
        let text = name.get_ref();
        if !is_name(text) {
            self.problem(
                name.span(),
                format!("`{text}` is not a valid actor name: use lower-case letters, digits, hyphens and dots."),
            );
        }
        if text.starts_with("server") {
            Role::Server
        } else if text.starts_with("client") {
            Role::Client
        } else {
            self.problem(
                name.span(),
                format!("The actor name `{text}` must start with `client` or `server`: that decides its column in the ladder and its side of each connection (client2, server-udp, ... are fine)."),
            );
            Role::Client
        }
    }

    /// The actor called `name` (as written at `span`), if it exists by this step.
    fn actor_index(&mut self, actors: &[Actor], name: &str, span: Range<usize>) -> Option<usize> {
        if let Some(index) = actors.iter().position(|actor| actor.name == name) {
            return Some(index);
        }
        let names: Vec<&str> = actors.iter().map(|actor| actor.name.as_str()).collect();
        let hint = closest(name, &names)
            .map(|close| format!(" Did you mean `{close}`?"))
            .unwrap_or_default();
        self.problem(
            span,
            format!(
                "There is no actor named `{name}`.{hint} The actors are: {}.",
                names.join(", ")
            ),
        );
        None
    }

    fn name_ref_index(
        &mut self,
        actors: &[Actor],
        base: &Range<usize>,
        name: &NameRef,
    ) -> Option<usize> {
        let start = self.content_start(base);
        self.actor_index(actors, &name.name, start + name.start..start + name.end)
    }

    fn step(
        &mut self,
        number: usize,
        raw: &Spanned<RawStep>,
        actors: &mut Vec<Actor>,
    ) -> Option<Step> {
        let step = raw.get_ref();
        let actor = self.actor_index(actors, step.actor.get_ref(), step.actor.span());
        let call_span = step.call.span();
        let (line, column) = self.line_column(self.content_start(&call_span));
        let parsed = match parse_call(step.call.get_ref()) {
            Ok(parsed) => Some(parsed),
            Err(problem) => {
                self.inner_problem(&call_span, problem);
                None
            }
        };
        let narration = match &step.narration {
            Some(text) => Some(self.text(text, &format!("The narration of step {number}"))),
            None => {
                let first_key = step.actor.span().start.min(call_span.start);
                self.comment_narration(first_key, number)
            }
        };
        let (actor, parsed) = (actor?, parsed?);
        let action = self.action(actors, actor, parsed, &call_span)?;
        let expected = step
            .result
            .as_ref()
            .and_then(|result| self.expected(result, &action));
        let creates = self.creates(number, step, actors, actor, &action);
        let packets = step
            .packets
            .iter()
            .filter_map(|packet| self.packet(packet, actors, actor))
            .collect();
        Some(Step {
            number,
            line,
            column,
            actor,
            written: step.call.get_ref().clone(),
            action,
            expected,
            packets,
            narration,
            creates,
        })
    }

    /// Comments become narration, as in packetdrill: `# en: ...` and `# zh-CN: ...` lines just above a
    /// step's `[[step]]` (later comment lines continue the language above them).
    fn comment_narration(&mut self, first_key: usize, number: usize) -> Option<Text> {
        let source = self.source;
        let line_start = source[..first_key.min(source.len())]
            .rfind('\n')
            .map_or(0, |newline| newline + 1);
        let mut lines: Vec<(usize, &str)> = Vec::new();
        let mut end = line_start;
        let mut header_seen = false;
        while end > 0 {
            let start = source[..end - 1]
                .rfind('\n')
                .map_or(0, |newline| newline + 1);
            let line = source[start..end - 1].trim();
            end = start;
            if line == "[[step]]" && !header_seen {
                header_seen = true;
            } else if line.starts_with('#') {
                lines.push((start, line));
            } else if line.is_empty() && lines.is_empty() {
                continue;
            } else {
                break;
            }
        }
        lines.reverse();
        let (mut en, mut zh_cn) = (String::new(), String::new());
        let mut current: Option<bool> = None;
        let mut first_at = None;
        for (start, line) in lines {
            let text = line.trim_start_matches('#').trim();
            if let Some(rest) = text.strip_prefix("en:") {
                current = Some(true);
                first_at.get_or_insert(start);
                en.push_str(rest.trim());
            } else if let Some(rest) = text.strip_prefix("zh-CN:") {
                current = Some(false);
                first_at.get_or_insert(start);
                zh_cn.push_str(rest.trim());
            } else {
                match current {
                    Some(true) if !text.is_empty() => {
                        en.push(' ');
                        en.push_str(text);
                    }
                    Some(false) => zh_cn.push_str(text),
                    _ => {}
                }
            }
        }
        let at = first_at?;
        if en.is_empty() || zh_cn.is_empty() {
            let missing = if en.is_empty() {
                "`# en:`"
            } else {
                "`# zh-CN:`"
            };
            self.problem(
                at..at + 1,
                format!("The comment narration of step {number} has no {missing} line. Every text of a lesson is written in English (en) and Simplified Chinese (zh-CN)."),
            );
            return None;
        }
        Some(Text { en, zh_cn })
    }

    /// Checks that the call makes sense for the actor's protocol, and resolves actor names.
    fn action(
        &mut self,
        actors: &[Actor],
        actor: usize,
        parsed: ParsedAction,
        span: &Range<usize>,
    ) -> Option<Action> {
        let protocol = actors[actor].protocol;
        let name = actors[actor].name.clone();
        let refuse = |this: &mut Self, message: String| {
            this.problem(span.clone(), message);
            None
        };
        let action = match parsed {
            ParsedAction::Socket => Action::Socket,
            ParsedAction::Bind(port) => {
                if protocol == Protocol::Unix && !matches!(port, PortArg::Named(_)) {
                    return refuse(self, format!("`{name}` is a Unix domain socket: it binds to a name (a file in a temporary folder), as in bind(server), not to a port number."));
                }
                Action::Bind(port)
            }
            ParsedAction::Listen(backlog) if protocol.is_stream() => Action::Listen(backlog),
            ParsedAction::Accept if protocol.is_stream() => Action::Accept,
            ParsedAction::Listen(_) | ParsedAction::Accept => {
                return refuse(self, format!("`{name}` uses UDP, which has no connections: it cannot listen() or accept(). A UDP server just bind()s and recvfrom()s."));
            }
            ParsedAction::Connect(target) => {
                let target = self.name_ref_index(actors, span, &target)?;
                if actors[target].protocol != protocol {
                    return refuse(self, format!("`{name}` uses {} but `{}` uses {}: a socket can only connect to a socket of its own protocol.", protocol.name(), actors[target].name, actors[target].protocol.name()));
                }
                Action::Connect(target)
            }
            ParsedAction::Send(payload) => Action::Send(payload),
            ParsedAction::Recv(capacity) => Action::Recv(capacity),
            ParsedAction::SendTo(payload, target) => {
                let target = self.name_ref_index(actors, span, &target)?;
                if protocol != Protocol::Udp || actors[target].protocol != Protocol::Udp {
                    return refuse(self, "`sendto()` with an address is for UDP sockets; a stream socket is connected and uses send().".to_string());
                }
                Action::SendTo(payload, target)
            }
            ParsedAction::RecvFrom { capacity, dontwait } => {
                if protocol != Protocol::Udp {
                    return refuse(self, "`recvfrom()` is for UDP sockets, where each datagram may come from someone else; a stream socket uses recv().".to_string());
                }
                Action::RecvFrom { capacity, dontwait }
            }
            ParsedAction::Shutdown(how) if protocol.is_stream() => Action::Shutdown(how),
            ParsedAction::Shutdown(_) => {
                return refuse(
                    self,
                    format!("`{name}` uses UDP, which has no connection to shut down half of."),
                );
            }
            ParsedAction::Close { listener } => Action::Close { listener },
            ParsedAction::SetOption(option) => {
                if option.is_tcp_level() && protocol != Protocol::Tcp {
                    return refuse(
                        self,
                        format!(
                            "{} is a TCP option, but `{name}` uses {}.",
                            option.c_name(),
                            protocol.name()
                        ),
                    );
                }
                if option == SocketOption::LingerZero && !protocol.is_stream() {
                    return refuse(
                        self,
                        "SO_LINGER changes how close() ends a connection; a UDP socket has none."
                            .to_string(),
                    );
                }
                Action::SetOption(option)
            }
        };
        Some(action)
    }

    fn expected(&mut self, result: &Spanned<toml::Value>, action: &Action) -> Option<Expected> {
        match result.get_ref() {
            toml::Value::Integer(value) => {
                if matches!(action, Action::Socket | Action::Accept) {
                    self.problem(
                        result.span(),
                        format!("`{}()` returns a new socket, so a lesson can only expect an errno from it, as in result = \"EMFILE\".", action.name()),
                    );
                    return None;
                }
                Some(Expected::Value(*value))
            }
            toml::Value::String(name) if ERRNOS.contains(&name.as_str()) => {
                Some(Expected::Errno(name.clone()))
            }
            toml::Value::String(name) => {
                let hint = closest(name, &ERRNOS)
                    .map(|close| format!(" Did you mean `{close}`?"))
                    .unwrap_or_default();
                self.problem(
                    result.span(),
                    format!(
                        "`{name}` is not an errno socklab knows.{hint} The errnos are: {}.",
                        ERRNOS.join(", ")
                    ),
                );
                None
            }
            _ => {
                self.problem(
                    result.span(),
                    "A result is a return value (a number such as 0, or 5 for five bytes) or an errno name (such as \"ECONNREFUSED\").",
                );
                None
            }
        }
    }

    /// `as = "server-t1"` on an accept(): declares the actor that owns the new connection.
    fn creates(
        &mut self,
        number: usize,
        step: &RawStep,
        actors: &mut Vec<Actor>,
        actor: usize,
        action: &Action,
    ) -> Option<usize> {
        if let (Some(thread), None) = (&step.thread, &step.as_actor) {
            self.problem(thread.span(), "`thread` belongs with `as`: it runs the new connection's calls on a thread of their own.");
        }
        let new_name = step.as_actor.as_ref()?;
        if *action != Action::Accept {
            self.problem(
                new_name.span(),
                "Only accept() creates a new socket that `as` can name.",
            );
            return None;
        }
        let name = new_name.get_ref();
        let role = actors[actor].role;
        let prefix = match role {
            Role::Client => "client",
            Role::Server => "server",
        };
        if !is_name(name) || !name.starts_with(prefix) {
            self.problem(new_name.span(), format!("The new connection's actor name must start with `{prefix}`, like the actor that accepted it (for example {prefix}-t1)."));
            return None;
        }
        if actors.iter().any(|existing| existing.name == *name) {
            self.problem(
                new_name.span(),
                format!("There is already an actor named `{name}`."),
            );
            return None;
        }
        actors.push(Actor {
            name: name.clone(),
            role,
            protocol: actors[actor].protocol,
            accepted_in: Some(number),
            thread: step.thread.as_ref().is_some_and(|thread| *thread.get_ref()),
        });
        Some(actors.len() - 1)
    }

    fn packet(
        &mut self,
        raw: &Spanned<String>,
        actors: &[Actor],
        stepper: usize,
    ) -> Option<PacketSpec> {
        let span = raw.span();
        let (line, column) = self.line_column(self.content_start(&span));
        let parsed = match parse_packet(raw.get_ref()) {
            Ok(parsed) => parsed,
            Err(problem) => {
                self.inner_problem(&span, problem);
                return None;
            }
        };
        let from = self.name_ref_index(actors, &span, &parsed.from)?;
        let to = self.name_ref_index(actors, &span, &parsed.to)?;
        let start = self.content_start(&span);
        let whole = start..start + raw.get_ref().len();
        if actors[stepper].protocol == Protocol::Unix
            || actors[from].protocol == Protocol::Unix
            || actors[to].protocol == Protocol::Unix
        {
            self.problem(whole, "Unix domain sockets put nothing on lo, so no packet can be expected from or to them.");
            return None;
        }
        if actors[from].role == actors[to].role {
            self.problem(
                whole,
                format!(
                    "A packet goes between a client and a server, but `{}` and `{}` are both {}s.",
                    actors[from].name,
                    actors[to].name,
                    match actors[from].role {
                        Role::Client => "client",
                        Role::Server => "server",
                    }
                ),
            );
            return None;
        }
        let wanted = match parsed.kind {
            PacketKind::Tcp { .. } => Protocol::Tcp,
            PacketKind::Udp | PacketKind::IcmpPortUnreachable => Protocol::Udp,
        };
        for end in [from, to] {
            if actors[end].protocol != wanted {
                let kind_span = start + parsed.kind_at.0..start + parsed.kind_at.1;
                self.problem(
                    kind_span,
                    format!(
                        "This packet is {}, but `{}` uses {}.",
                        match wanted {
                            Protocol::Tcp => "a TCP segment",
                            _ => "UDP (or an ICMP error about UDP)",
                        },
                        actors[end].name,
                        actors[end].protocol.name()
                    ),
                );
                return None;
            }
        }
        Some(PacketSpec {
            written: raw
                .get_ref()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            line,
            column,
            from,
            to,
            kind: parsed.kind,
            seq: parsed.seq,
            ack: parsed.ack,
            len: parsed.len,
            optional: parsed.optional,
        })
    }

    fn question(
        &mut self,
        raw: &Spanned<RawQuestion>,
        step_count: usize,
        steps: &[Step],
    ) -> Option<Question> {
        let question = raw.get_ref();
        let kind_span = question.kind.span();
        let (line, column) = self.line_column(self.content_start(&kind_span));
        let Some(kind) = QuestionKind::parse(question.kind.get_ref()) else {
            let names: Vec<&str> = QuestionKind::all_names().collect();
            let hint = closest(question.kind.get_ref(), &names)
                .map(|close| format!(" Did you mean `{close}`?"))
                .unwrap_or_default();
            self.problem(
                kind_span,
                format!(
                    "`{}` is not a question kind.{hint} The kinds are: {}.",
                    question.kind.get_ref(),
                    names.join(", ")
                ),
            );
            return None;
        };
        let step = match (&question.step, kind.needs_step()) {
            (None, true) => {
                self.problem(
                    kind_span,
                    format!(
                        "A `{}` question asks about one step's call; add `step = N`.",
                        kind.name()
                    ),
                );
                return None;
            }
            (Some(step), false) => {
                self.problem(
                    step.span(),
                    format!("A question of kind `{}` takes no `step`.", kind.name()),
                );
                return None;
            }
            (None, false) => None,
            (Some(step), true) => {
                let number = *step.get_ref();
                if number < 1 || number as usize > step_count {
                    self.problem(
                        step.span(),
                        format!(
                            "There is no step {number}; this lesson has steps 1 to {step_count}."
                        ),
                    );
                    return None;
                }
                let target = steps
                    .iter()
                    .find(|candidate| candidate.number == number as usize)?;
                let fits = match kind {
                    QuestionKind::RecvBytes => {
                        matches!(target.action, Action::Recv(_) | Action::RecvFrom { .. })
                    }
                    _ => true,
                };
                if !fits {
                    self.problem(step.span(), format!("Step {number} is a {}() call; a `recv-bytes` question asks about a recv() or recvfrom().", target.action.name()));
                    return None;
                }
                Some(number as usize)
            }
        };
        Some(Question {
            kind,
            step,
            line,
            column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "demo"
level = 1
title = { en = "Demo", zh-CN = "演示" }
summary = { en = "A demo.", zh-CN = "演示。" }
objectives = [{ en = "See a SYN.", zh-CN = "看到 SYN。" }]
concepts = ["three-way-handshake"]

[actors]
server = { protocol = "tcp" }
client = { protocol = "tcp" }

[[step]]
actor = "server"
call = "listen(1)"

[[step]]
actor = "client"
call = "connect(server)"
result = 0
packets = [
  "client > server S seq 0",
  "server > client S. seq 0 ack 1",
  "client > server . seq 1 ack 1",
]
narration = { en = "Connect.", zh-CN = "连接。" }

[[step]]
actor = "server"
call = "accept"
as = "server-t1"
thread = true

[[question]]
kind = "synack-ack"
"#;

    #[test]
    fn comments_above_a_step_become_its_narration() {
        let source = GOOD.replace(
            "[[step]]\nactor = \"server\"\ncall = \"accept\"",
            "# A plain comment is ignored.\n# en: The server accepts,\n#     at once.\n# zh-CN: 服务器\n#   立即接受。\n[[step]]\nactor = \"server\"\ncall = \"accept\"",
        );
        assert_ne!(source, GOOD);
        let lesson = load("demo.toml", &source).unwrap();
        let narration = lesson.steps[2].narration.as_ref().unwrap();
        assert_eq!(narration.en, "The server accepts, at once.");
        assert_eq!(narration.zh_cn, "服务器立即接受。");
        assert!(lesson.steps[0].narration.is_none());
        let half = GOOD.replace(
            "[[step]]\nactor = \"server\"\ncall = \"accept\"",
            "# en: Only English.\n[[step]]\nactor = \"server\"\ncall = \"accept\"",
        );
        let text = errors(&half);
        assert!(
            text.contains("bad.toml:28:1: The comment narration of step 3 has no `# zh-CN:` line."),
            "{text}"
        );
    }

    #[test]
    fn a_good_lesson_resolves_names_and_positions() {
        let lesson = load("demo.toml", GOOD).unwrap();
        assert_eq!(lesson.id, "demo");
        assert_eq!(lesson.actors.len(), 3);
        assert_eq!(lesson.actors[2].name, "server-t1");
        assert!(lesson.actors[2].thread);
        let connect = &lesson.steps[1];
        assert_eq!((connect.line, connect.column), (19, 9));
        assert_eq!(
            connect.action,
            Action::Connect(lesson.actor_named("server").unwrap())
        );
        assert_eq!(connect.packets.len(), 3);
        assert_eq!(connect.packets[1].line, 23);
        assert_eq!(connect.expected, Some(Expected::Value(0)));
        assert_eq!(lesson.questions[0].kind, QuestionKind::SynAckAck);
        assert_eq!(lesson.family, Family::V4);
    }

    fn errors(source: &str) -> String {
        match load("bad.toml", source) {
            Err(error) => error.to_string(),
            Ok(_) => panic!("accepted:\n{source}"),
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let source = GOOD
            .replace("connect(server)", "connect(sever)")
            .replace("zh-CN = \"连接。\"", "zh = \"连接。\"");
        let text = errors(&source);
        assert!(text.contains("bad.toml:26:32: This lesson file is not valid TOML for a lesson: unknown field `zh`"), "{text}");
        let source = GOOD.replace("S. seq 0 ack 1", "SX seq 0 ack 1");
        let text = errors(&source);
        assert!(
            text.contains("bad.toml:23:21: `SX` is not a flags pattern"),
            "{text}"
        );
        let source = GOOD.replace("connect(server)", "connect(sever)");
        let text = errors(&source);
        assert!(
            text.contains(
                "bad.toml:19:17: There is no actor named `sever`. Did you mean `server`?"
            ),
            "{text}"
        );
    }
}
