//! The sequence diagram as Mermaid text (`--format mermaid`), for Markdown on GitHub and in course notes:
//! paste it into a fenced block marked `mermaid`, or save it as a `.mmd` file.
//!
//! ```text
//! sequenceDiagram
//!     title tcp-handshake (IPv4)
//!     participant L0 as client 127.0.0.1:48630
//!     participant L1 as server 127.0.0.1:48839
//!     Note over L1: listen(1) → 0
//!     L0->>L1: SYN seq=0
//!     Note over L0,L1: handshake 1/3
//!     Note left of L0: SYN-SENT
//!     Note right of L1: SYN-RECEIVED
//! ```
//!
//! The lifelines are the SVG diagram's ([`Lifelines`]). One message per packet: TCP segments are solid
//! arrows (`->>`), a RST ends in a cross (`-x`), UDP datagrams are open "fire and forget" arrows (`-)`) and
//! ICMP messages dotted ones (`--)`). Notes carry the teaching step, each endpoint's state where it changes,
//! and socket calls. Mermaid ends a message at `#` or `;` and reads `<` as markup, so those are written as
//! Mermaid entity codes (`#35;`, `#59;`, `#lt;`).

use super::lifelines::Lifelines;
use super::scene::{Drawing, Meaning, Scene, SceneEvent, MAX_FLOWS, MAX_PACKETS};
use crate::analysis::{FlowId, Role, TcpState};
use crate::lang::Lang;
use crate::timeline::CallOutcome;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

/// `--format mermaid`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MermaidDiagram;

impl Drawing for MermaidDiagram {
    fn draw(&self, scene: &Scene, out: &mut dyn Write) -> io::Result<()> {
        let mut text = String::with_capacity(4096);
        write_mermaid(&mut text, scene);
        out.write_all(text.as_bytes())
    }
}

/// Text made safe for a Mermaid message, note, title or alias: one line, entity codes for `#`, `;`, `<`,
/// `>` and `%` (two `%` start a comment).
pub struct MermaidText<'a>(pub &'a str);

impl fmt::Display for MermaidText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.trim().chars() {
            match c {
                '#' => f.write_str("#35;")?,
                ';' => f.write_str("#59;")?,
                '<' => f.write_str("#lt;")?,
                '>' => f.write_str("#gt;")?,
                '%' => f.write_str("#37;")?,
                '\n' | '\r' | '\t' => f.write_char(' ')?,
                c if c.is_control() => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

struct Words {
    called: &'static str,
    failed: &'static str,
    left_out: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    static EN: Words = Words {
        called: "called",
        failed: "failed",
        left_out: "more packets not drawn (at most {packets} packets of {flows} conversations)",
    };
    static ZH_CN: Words = Words {
        called: "已调用",
        failed: "失败",
        left_out: "个包没有画出（最多 {packets} 个包、{flows} 个会话）",
    };
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// Writes the whole diagram.
pub fn write_mermaid(out: &mut String, scene: &Scene) {
    let lifelines = Lifelines::of(scene);
    let labels = scene.labels();
    let lang = scene.lang;
    let words = words(lang);
    let _ = writeln!(out, "sequenceDiagram");
    let _ = writeln!(out, "    title {}", MermaidText(scene.title()));
    if let Some(description) = scene
        .info
        .as_ref()
        .and_then(|info| info.description.as_ref())
    {
        let _ = writeln!(out, "    accDescr: {}", MermaidText(description));
    }
    for (index, line) in lifelines.list.iter().enumerate() {
        let role = match line.role {
            Role::Client => labels.client,
            Role::Server => labels.server,
        };
        match line.endpoint {
            Some(endpoint) => {
                let alias = format!("{role} {}", scene.endpoint_text(endpoint));
                let _ = writeln!(out, "    participant L{index} as {}", MermaidText(&alias));
            }
            None => {
                let _ = writeln!(out, "    participant L{index} as {}", MermaidText(role));
            }
        }
    }
    // Notes that concern the whole exchange span every lifeline (or a stand-in when there are none).
    let span = match lifelines.len() {
        0 => {
            let _ = writeln!(out, "    participant L0 as capture");
            "L0".to_string()
        }
        1 => "L0".to_string(),
        count => format!("L0,L{}", count - 1),
    };
    let marks = lifelines.call_marks(scene);
    let mut shown_states: Vec<(FlowId, Role, TcpState)> = Vec::new();
    for (index, event) in scene.events.iter().enumerate() {
        match event {
            SceneEvent::Call(call) => {
                let Some(line) = marks[index] else { continue };
                let text = match &call.outcome {
                    CallOutcome::Called => format!("{} {}", call.call, words.called),
                    CallOutcome::Returned { value } => format!("{} → {value}", call.call),
                    CallOutcome::Failed { errno, .. } => {
                        format!("{} {}: {errno}", call.call, words.failed)
                    }
                };
                let _ = writeln!(out, "    Note over L{line}: {}", MermaidText(&text));
            }
            SceneEvent::Packet(packet) => {
                let Some((from, to)) = lifelines.packet_ends(packet.flow, packet.from) else {
                    let text = format!("#{} {} {}", packet.number, packet.label, packet.addresses);
                    let _ = writeln!(out, "    Note over {span}: {}", MermaidText(&text));
                    continue;
                };
                let arrow = match packet.meaning {
                    Meaning::Reset => "-x",
                    Meaning::Udp => "-)",
                    Meaning::Icmp => "--)",
                    _ => "->>",
                };
                let mut label = String::new();
                if let (true, Some(flow)) = (scene.flows.len() > 1, packet.flow) {
                    let protocol = match flow.protocol {
                        crate::analysis::FlowProtocol::Tcp => "TCP",
                        crate::analysis::FlowProtocol::Udp => "UDP",
                    };
                    let _ = write!(label, "[{protocol} {}] ", flow.index);
                }
                label.push_str(&packet.label);
                let _ = writeln!(out, "    L{from}{arrow}L{to}: {}", MermaidText(&label));
                if let Some(step) = &packet.step {
                    let pair = format!("L{},L{}", from.min(to), from.max(to));
                    let _ = writeln!(out, "    Note over {pair}: {}", MermaidText(step));
                }
                let (Some(states), Some(flow)) = (packet.states, packet.flow) else {
                    continue;
                };
                for (role, state) in [(Role::Client, states.client), (Role::Server, states.server)]
                {
                    let Some(line) = lifelines.index_of(flow, role) else {
                        continue;
                    };
                    match shown_states
                        .iter_mut()
                        .find(|(id, who, _)| *id == flow && *who == role)
                    {
                        Some((_, _, shown)) if *shown == state => continue,
                        Some((_, _, shown)) => *shown = state,
                        None => shown_states.push((flow, role, state)),
                    }
                    let side = if line == 0 {
                        "left of"
                    } else if line + 1 == lifelines.len() {
                        "right of"
                    } else {
                        "over"
                    };
                    let _ = writeln!(out, "    Note {side} L{line}: {}", state.name());
                }
            }
            SceneEvent::Undecodable { text, .. } => {
                let _ = writeln!(out, "    Note over {span}: {}", MermaidText(text));
            }
        }
    }
    if scene.left_out > 0 {
        let text = format!(
            "{} {}",
            scene.left_out,
            words
                .left_out
                .replace("{packets}", &MAX_PACKETS.to_string())
                .replace("{flows}", &MAX_FLOWS.to_string())
        );
        let _ = writeln!(out, "    Note over {span}: {}", MermaidText(&text));
    }
    if !scene.stats.is_complete() {
        let text = format!(
            "{} {} {}",
            labels.incomplete_warning, scene.stats.kernel_drops, labels.kernel_dropped
        );
        let _ = writeln!(out, "    Note over {span}: {}", MermaidText(&text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::scene::test_scenes;
    use super::*;

    fn mermaid(scene: &Scene) -> String {
        let mut out = Vec::new();
        MermaidDiagram.draw(scene, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn messages(text: &str) -> Vec<&str> {
        text.lines()
            .map(str::trim)
            .filter(|line| line.starts_with('L') && line.contains(": "))
            .collect()
    }

    #[test]
    fn the_echo_is_a_sequence_diagram_with_one_message_per_packet() {
        let text = mermaid(&test_scenes::echo(Lang::En, false));
        assert!(text.starts_with("sequenceDiagram\n    title TCP echo\n"));
        assert!(text.contains("    participant L0 as client 127.0.0.1:43210\n"));
        assert!(text.contains("    participant L1 as server 127.0.0.1:5000\n"));
        let messages = messages(&text);
        assert_eq!(messages.len(), 10);
        assert_eq!(messages[0], "L0->>L1: SYN seq=0");
        assert_eq!(messages[1], "L1->>L0: SYN,ACK seq=0 ack=1");
        assert!(text.contains("    Note over L0,L1: handshake 1/3\n"));
        assert!(text.contains("    Note over L0,L1: teardown 2+3/4\n"));
        assert!(text.contains("    Note left of L0: SYN-SENT\n"));
        assert!(text.contains("    Note right of L1: SYN-RECEIVED\n"));
        assert!(text.contains("    Note over L1: listen(backlog=1) → 0\n"));
        // ESTABLISHED is noted once per side, not after every data packet.
        assert_eq!(text.matches("ESTABLISHED").count(), 2);
    }

    #[test]
    fn udp_and_icmp_use_their_own_arrows_and_titles_are_escaped() {
        let text = mermaid(&test_scenes::udp_refused(Lang::En));
        let messages = messages(&text);
        assert_eq!(messages.len(), 2);
        assert!(
            messages[0].starts_with("L0-)L1: UDP datagram 4 B"),
            "{text}"
        );
        assert!(
            messages[1].starts_with("L1--)L0: ICMP port unreachable (quotes packet #35;1)"),
            "{text}"
        );
        assert!(
            text.contains("title UDP #lt;closed#gt; & \"port\"\n"),
            "{text}"
        );
    }

    /// The line with every Mermaid entity code (`#35;`, `#lt;`) taken out.
    fn without_entities(line: &str) -> String {
        let mut kept = String::new();
        let mut rest = line;
        while let Some(index) = rest.find('#') {
            kept.push_str(&rest[..index]);
            let after = &rest[index + 1..];
            match after.find(';') {
                Some(end) if end > 0 && after[..end].chars().all(|c| c.is_ascii_alphanumeric()) => {
                    rest = &after[end + 1..];
                }
                _ => {
                    kept.push('#');
                    rest = after;
                }
            }
        }
        kept.push_str(rest);
        kept
    }

    #[test]
    fn characters_that_end_a_message_are_entity_codes() {
        assert_eq!(
            MermaidText(" a#b;c<d>e 50%%\nnext ").to_string(),
            "a#35;b#59;c#lt;d#gt;e 50#37;#37; next"
        );
        let mut scene = test_scenes::echo(Lang::ZhCn, false);
        if let Some(info) = scene.info.as_mut() {
            info.title = "#1; <b>".to_string();
            info.description = Some("a; b # c\nd".to_string());
        }
        let text = mermaid(&scene);
        assert!(text.contains("客户端 127.0.0.1:43210"));
        assert!(text.contains("握手 1/3"));
        assert!(text.contains("    accDescr: a#59; b #35; c d\n"), "{text}");
        // Nothing is left that Mermaid would end a line at.
        for line in text.lines() {
            let plain = without_entities(line);
            assert!(!plain.contains('#') && !plain.contains(';'), "{line}");
        }
    }
}
