//! Each check, evaluated on the graded capture: passed or not, what was expected, what was seen, and the
//! packets that show it.

use super::bytes_text::{byte_at, escaped, escaped_capped, find, first_difference};
use super::criterion::{Check, CountRange, Matcher, Side};
use super::localized::pick;
use super::subject::{frame_list, Connection, Subject};
use crate::analysis::{Role, TcpState};
use crate::lang::Lang;

/// How many payload bytes a report quotes before cutting.
const QUOTE_LIMIT: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOutcome {
    pub passed: bool,
    pub expected: String,
    pub got: String,
    pub packets: Vec<u64>,
}

fn outcome(passed: bool, expected: String, got: String, mut packets: Vec<u64>) -> CheckOutcome {
    packets.sort_unstable();
    packets.dedup();
    CheckOutcome {
        passed,
        expected,
        got,
        packets,
    }
}

fn side_name(lang: Lang, side: Side) -> &'static str {
    match side {
        Side::Submission => pick(lang, "the submission", "提交的程序"),
        Side::Socklab => pick(lang, "socklab", "socklab"),
    }
}

fn state_of(lang: Lang, connection: &Connection<'_>) -> String {
    match connection.final_states() {
        Some((submission, socklab)) => pick(
            lang,
            format!("submission {submission} / socklab {socklab}"),
            format!("提交的程序 {submission} / socklab {socklab}"),
        ),
        None => pick(lang, "no state".to_string(), "无状态".to_string()),
    }
}

pub fn evaluate(check: &Check, subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    match check {
        Check::Handshake => handshake(subject, lang),
        Check::Port => port(subject, lang),
        Check::Payload {
            from,
            matcher,
            connection,
            datagram,
        } => {
            if subject.connections.is_empty() && !subject.datagrams().is_empty() {
                udp_payload(subject, *from, matcher, *datagram, lang)
            } else if subject.connections.is_empty() {
                outcome(
                    false,
                    describe_matcher(matcher, lang),
                    nothing_sent(lang),
                    Vec::new(),
                )
            } else {
                tcp_payload(subject, *from, matcher, *connection, lang)
            }
        }
        Check::ReadReply => read_reply(subject, lang),
        Check::GracefulClose => graceful_close(subject, lang),
        Check::ActiveCloser => active_closer(subject, lang),
        Check::NoHalfOpen => no_half_open(subject, lang),
        Check::Connections(range) => connections(subject, *range, lang),
        Check::Datagrams { from, count, sizes } => {
            datagrams(subject, *from, *count, sizes.as_deref(), lang)
        }
        Check::Delivered => delivered(subject, lang),
        Check::MultiClient { min } => multi_client(subject, *min, lang),
        Check::HalfClose => half_close(subject, lang),
        Check::History {
            pattern,
            connection,
        } => history(subject, pattern, *connection, lang),
    }
}

fn nothing_sent(lang: Lang) -> String {
    pick(
        lang,
        "no connection and no datagram at all",
        "没有任何连接,也没有任何数据报",
    )
    .to_string()
}

fn no_connection(lang: Lang) -> String {
    pick(lang, "no TCP connection at all", "没有任何 TCP 连接").to_string()
}

fn none_established(subject: &Subject<'_>, expected: String, lang: Lang) -> CheckOutcome {
    let mut packets = Vec::new();
    let got = if subject.connections.is_empty() {
        no_connection(lang)
    } else {
        for connection in &subject.connections {
            packets.extend(connection.packets.iter().map(|packet| packet.number));
        }
        pick(lang, "no connection was established", "没有建立任何连接").to_string()
    };
    outcome(false, expected, got, packets)
}

fn handshake(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        format!(
            "SYN, SYN-ACK, ACK between the submission and socklab on port {}",
            subject.port
        ),
        format!(
            "提交的程序与 socklab 在端口 {} 上完成 SYN、SYN-ACK、ACK",
            subject.port
        ),
    );
    if let Some(connection) = subject.established().next() {
        let numbers: Vec<u64> = connection
            .packets
            .iter()
            .take(3)
            .map(|packet| packet.number)
            .collect();
        return outcome(
            true,
            expected,
            pick(
                lang,
                format!("handshake {}", frame_list(&numbers)),
                format!("握手 {}", frame_list(&numbers)),
            ),
            numbers,
        );
    }
    if subject.connections.is_empty() {
        return outcome(false, expected, no_connection(lang), Vec::new());
    }
    let mut packets = Vec::new();
    let mut lines = Vec::new();
    for connection in subject.connections.iter().take(3) {
        if let Some((syn, rst)) = connection.was_refused() {
            packets.extend([syn.number, rst.number]);
            lines.push(pick(
                lang,
                format!(
                    "SYN #{} to port {} was answered by RST #{} (connection refused)",
                    syn.number,
                    connection.server_port(),
                    rst.number
                ),
                format!(
                    "发往端口 {} 的 SYN #{} 被 RST #{} 拒绝(connection refused)",
                    connection.server_port(),
                    syn.number,
                    rst.number
                ),
            ));
        } else if let Some(syn) = connection.syn() {
            packets.push(syn.number);
            lines.push(pick(
                lang,
                format!(
                    "SYN #{} to port {} got no SYN-ACK",
                    syn.number,
                    connection.server_port()
                ),
                format!(
                    "发往端口 {} 的 SYN #{} 没有收到 SYN-ACK",
                    connection.server_port(),
                    syn.number
                ),
            ));
        } else {
            packets.extend(connection.packets.first().map(|packet| packet.number));
            lines.push(
                pick(
                    lang,
                    "a connection without its SYN (it started before the capture)",
                    "一个没有 SYN 的连接(开始于抓包之前)",
                )
                .to_string(),
            );
        }
    }
    outcome(false, expected, lines.join("; "), packets)
}

fn port(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let wanted = subject.port;
    let datagrams = subject.datagrams();
    if subject.connections.is_empty() && !datagrams.is_empty() {
        return match subject.role {
            Role::Client => {
                let expected = pick(
                    lang,
                    format!("every datagram sent to port {wanted}"),
                    format!("每个数据报都发往端口 {wanted}"),
                );
                let sent: Vec<_> = datagrams
                    .iter()
                    .filter(|datagram| datagram.from == Side::Submission)
                    .collect();
                let wrong: Vec<_> = sent
                    .iter()
                    .filter(|datagram| datagram.dst_port != wanted)
                    .collect();
                let packets: Vec<u64> = if wrong.is_empty() {
                    sent.iter().map(|d| d.packet.number).collect()
                } else {
                    wrong.iter().map(|d| d.packet.number).collect()
                };
                let mut ports: Vec<u16> = sent.iter().map(|datagram| datagram.dst_port).collect();
                ports.dedup();
                let got = if sent.is_empty() {
                    pick(
                        lang,
                        "no datagram from the submission".to_string(),
                        "提交的程序没有发出数据报".to_string(),
                    )
                } else {
                    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                    pick(
                        lang,
                        format!(
                            "datagrams to port {} ({})",
                            list.join(", "),
                            frame_list(&packets)
                        ),
                        format!(
                            "发往端口 {} 的数据报({})",
                            list.join(", "),
                            frame_list(&packets)
                        ),
                    )
                };
                outcome(!sent.is_empty() && wrong.is_empty(), expected, got, packets)
            }
            Role::Server => {
                let expected = pick(
                    lang,
                    format!("the submission bound to port {wanted}"),
                    format!("提交的程序绑定端口 {wanted}"),
                );
                let refused: Vec<u64> = subject
                    .unreachables()
                    .iter()
                    .filter(|(_, quoted)| {
                        quoted.is_some_and(|datagram| datagram.dst_port() == Some(wanted))
                    })
                    .flat_map(|(icmp, quoted)| {
                        quoted
                            .map(|datagram| datagram.number)
                            .into_iter()
                            .chain([icmp.number])
                    })
                    .collect();
                let probes: Vec<u64> = datagrams
                    .iter()
                    .filter(|d| d.from == Side::Socklab && d.dst_port == wanted)
                    .map(|d| d.packet.number)
                    .collect();
                if probes.is_empty() {
                    outcome(
                        false,
                        expected,
                        pick(
                            lang,
                            format!("socklab sent nothing to port {wanted}"),
                            format!("socklab 没有向端口 {wanted} 发送数据"),
                        ),
                        Vec::new(),
                    )
                } else if refused.is_empty() {
                    outcome(
                        true,
                        expected,
                        pick(
                            lang,
                            format!(
                                "datagram {} to port {wanted} was delivered",
                                frame_list(&probes)
                            ),
                            format!("发往端口 {wanted} 的数据报 {} 已送达", frame_list(&probes)),
                        ),
                        probes,
                    )
                } else {
                    outcome(
                        false,
                        expected,
                        pick(
                            lang,
                            format!(
                                "nothing was bound to port {wanted}: ICMP port unreachable ({})",
                                frame_list(&refused)
                            ),
                            format!(
                                "端口 {wanted} 上没有绑定任何套接字:ICMP 端口不可达({})",
                                frame_list(&refused)
                            ),
                        ),
                        refused,
                    )
                }
            }
        };
    }
    if subject.connections.is_empty() {
        return outcome(
            false,
            pick(
                lang,
                format!("a connection on port {wanted}"),
                format!("端口 {wanted} 上的连接"),
            ),
            nothing_sent(lang),
            Vec::new(),
        );
    }
    match subject.role {
        Role::Client => {
            let expected = pick(
                lang,
                format!("every connection to port {wanted}"),
                format!("所有连接都连到端口 {wanted}"),
            );
            let wrong: Vec<&Connection<'_>> = subject
                .connections
                .iter()
                .filter(|c| c.server_port() != wanted)
                .collect();
            let shown: Vec<&Connection<'_>> = if wrong.is_empty() {
                subject.connections.iter().collect()
            } else {
                wrong.clone()
            };
            let packets: Vec<u64> = shown
                .iter()
                .filter_map(|c| c.syn().map(|syn| syn.number))
                .collect();
            let mut ports: Vec<u16> = shown.iter().map(|c| c.server_port()).collect();
            ports.dedup();
            let list: Vec<String> = ports.iter().map(u16::to_string).collect();
            let got = pick(
                lang,
                format!(
                    "connected to port {} (SYN {})",
                    list.join(", "),
                    frame_list(&packets)
                ),
                format!(
                    "连接到端口 {}(SYN {})",
                    list.join(", "),
                    frame_list(&packets)
                ),
            );
            outcome(wrong.is_empty(), expected, got, packets)
        }
        Role::Server => {
            let expected = pick(
                lang,
                format!("the submission listening on port {wanted}"),
                format!("提交的程序在端口 {wanted} 上监听"),
            );
            match subject.established().find(|c| c.server_port() == wanted) {
                Some(connection) => {
                    let numbers: Vec<u64> = connection
                        .packets
                        .iter()
                        .take(2)
                        .map(|packet| packet.number)
                        .collect();
                    outcome(
                        true,
                        expected,
                        pick(
                            lang,
                            format!("SYN-ACK from port {wanted} ({})", frame_list(&numbers)),
                            format!("端口 {wanted} 回复了 SYN-ACK({})", frame_list(&numbers)),
                        ),
                        numbers,
                    )
                }
                None => {
                    let refused: Vec<u64> = subject
                        .connections
                        .iter()
                        .filter_map(|c| c.was_refused())
                        .flat_map(|(syn, rst)| [syn.number, rst.number])
                        .collect();
                    outcome(
                        false,
                        expected,
                        pick(
                            lang,
                            format!(
                                "nothing listened on port {wanted}: every SYN was refused ({})",
                                frame_list(&refused)
                            ),
                            format!(
                                "端口 {wanted} 上没有监听:所有 SYN 都被拒绝({})",
                                frame_list(&refused)
                            ),
                        ),
                        refused,
                    )
                }
            }
        }
    }
}

fn describe_matcher(matcher: &Matcher, lang: Lang) -> String {
    match matcher {
        Matcher::Equals(bytes) => pick(
            lang,
            format!("{} ({} bytes)", escaped(bytes), bytes.len()),
            format!("{}({} 字节)", escaped(bytes), bytes.len()),
        ),
        Matcher::Contains(bytes) => pick(
            lang,
            format!("bytes containing {}", escaped(bytes)),
            format!("包含 {} 的字节", escaped(bytes)),
        ),
    }
}

/// None when the bytes match; otherwise what was seen, with the first difference.
fn mismatch(matcher: &Matcher, got: &[u8], lang: Lang) -> Option<String> {
    let shown = pick(
        lang,
        format!("{} ({} bytes)", escaped_capped(got, QUOTE_LIMIT), got.len()),
        format!("{}({} 字节)", escaped_capped(got, QUOTE_LIMIT), got.len()),
    );
    match matcher {
        Matcher::Equals(expected) => {
            let at = first_difference(expected, got)?;
            let end = pick(lang, "end of data", "数据结束");
            Some(pick(
                lang,
                format!(
                    "{shown}; first difference at byte {at}: expected {}, got {}",
                    byte_at(expected, at, end),
                    byte_at(got, at, end)
                ),
                format!(
                    "{shown};第 {at} 个字节起不同:应为 {},实际为 {}",
                    byte_at(expected, at, end),
                    byte_at(got, at, end)
                ),
            ))
        }
        Matcher::Contains(needle) => find(got, needle).is_none().then_some(shown),
    }
}

fn tcp_payload(
    subject: &Subject<'_>,
    from: Side,
    matcher: &Matcher,
    number: Option<usize>,
    lang: Lang,
) -> CheckOutcome {
    let expected = describe_matcher(matcher, lang);
    let chosen: Vec<&Connection<'_>> = match number {
        Some(n) => subject
            .connections
            .iter()
            .filter(|c| c.number == n)
            .collect(),
        None => subject.connections.iter().collect(),
    };
    if chosen.is_empty() {
        let got = pick(
            lang,
            format!(
                "there is no connection {} (only {})",
                number.unwrap_or(1),
                subject.connections.len()
            ),
            format!(
                "没有第 {} 个连接(只有 {} 个)",
                number.unwrap_or(1),
                subject.connections.len()
            ),
        );
        return outcome(false, expected, got, Vec::new());
    }
    let mut seen = Vec::new();
    for connection in &chosen {
        let stream = connection.stream(subject.wire, connection.role_of(from));
        if let Some(got) = mismatch(matcher, &stream.bytes, lang) {
            let mut packets = stream.frames.clone();
            if packets.is_empty() {
                packets.extend(connection.packets.iter().map(|packet| packet.number));
            }
            let prefix = if chosen.len() > 1 || number.is_some() {
                pick(
                    lang,
                    format!("connection {}: ", connection.number),
                    format!("第 {} 个连接:", connection.number),
                )
            } else {
                String::new()
            };
            let carried = if stream.frames.is_empty() {
                pick(
                    lang,
                    format!(" — {} sent no data", side_name(lang, from)),
                    format!("——{}没有发送数据", side_name(lang, from)),
                )
            } else {
                pick(
                    lang,
                    format!(" in {}", frame_list(&stream.frames)),
                    format!(",见 {}", frame_list(&stream.frames)),
                )
            };
            return outcome(false, expected, format!("{prefix}{got}{carried}"), packets);
        }
        seen.extend(stream.frames);
    }
    let got = pick(
        lang,
        format!("the same bytes, in {}", frame_list(&seen)),
        format!("相同的字节,见 {}", frame_list(&seen)),
    );
    outcome(true, expected, got, seen)
}

fn udp_payload(
    subject: &Subject<'_>,
    from: Side,
    matcher: &Matcher,
    index: Option<usize>,
    lang: Lang,
) -> CheckOutcome {
    let expected = describe_matcher(matcher, lang);
    let datagrams: Vec<_> = subject
        .datagrams()
        .into_iter()
        .filter(|datagram| datagram.from == from)
        .collect();
    let chosen: Vec<(usize, &super::subject::Datagram<'_>)> = match index {
        Some(n) => datagrams
            .iter()
            .enumerate()
            .filter(|(i, _)| i + 1 == n)
            .collect(),
        None => datagrams.iter().enumerate().collect(),
    };
    if chosen.is_empty() {
        let got = match index {
            Some(n) => pick(
                lang,
                format!(
                    "no datagram {n} from {} (only {})",
                    side_name(lang, from),
                    datagrams.len()
                ),
                format!(
                    "{}没有第 {n} 个数据报(只有 {} 个)",
                    side_name(lang, from),
                    datagrams.len()
                ),
            ),
            None => pick(
                lang,
                format!("no datagram from {}", side_name(lang, from)),
                format!("{}没有发送数据报", side_name(lang, from)),
            ),
        };
        let packets = datagrams
            .iter()
            .map(|datagram| datagram.packet.number)
            .collect();
        return outcome(false, expected, got, packets);
    }
    for (i, datagram) in &chosen {
        let bytes = subject.wire.payload(datagram.packet);
        if let Some(got) = mismatch(matcher, bytes, lang) {
            let got = pick(
                lang,
                format!("datagram {} (#{}): {got}", i + 1, datagram.packet.number),
                format!("第 {} 个数据报(#{}):{got}", i + 1, datagram.packet.number),
            );
            return outcome(false, expected, got, vec![datagram.packet.number]);
        }
    }
    let packets: Vec<u64> = chosen
        .iter()
        .map(|(_, datagram)| datagram.packet.number)
        .collect();
    outcome(
        true,
        expected,
        pick(
            lang,
            format!("the same bytes, in {}", frame_list(&packets)),
            format!("相同的字节,见 {}", frame_list(&packets)),
        ),
        packets,
    )
}

fn read_reply(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    // A socket closed while reply bytes are unread, or before they arrive, answers them with RST; a socket
    // that read everything (or only shut down its sending side first) ends with FIN and no RST.
    let expected = pick(
        lang,
        "the reply read to the end: the submission closes with FIN and never answers the reply with RST",
        "读完回复:提交的程序用 FIN 关闭,且从不以 RST 回应回复",
    )
    .to_string();
    let replied: Vec<&Connection<'_>> = subject
        .established()
        .filter(|c| !c.data(c.socklab()).is_empty())
        .collect();
    if replied.is_empty() {
        let got = if subject.established().next().is_none() {
            pick(lang, "no connection was established", "没有建立任何连接").to_string()
        } else {
            pick(
                lang,
                "socklab never replied: it was still waiting for the request",
                "socklab 没有回复:它一直在等待请求",
            )
            .to_string()
        };
        let packets = subject
            .connections
            .iter()
            .flat_map(|c| c.packets.iter().map(|p| p.number))
            .collect();
        return outcome(false, expected, got, packets);
    }
    let mut good = Vec::new();
    for connection in replied {
        let reply = connection.data(connection.socklab());
        let first_reply = reply.first().map_or(0, |p| p.number);
        let last_reply = reply.last().map_or(0, |p| p.number);
        let fin = connection.first_fin(connection.submission);
        let rst = connection.first_rst(connection.submission);
        let got = match (fin, rst) {
            (_, Some(rst)) => Some((
                pick(lang,
                    format!("RST #{} answered the reply (#{first_reply}–#{last_reply}): the socket was closed before the reply was read", rst.number),
                    format!("RST #{} 回应了回复(#{first_reply}–#{last_reply}):套接字在读取回复之前就关闭了", rst.number)),
                vec![first_reply, last_reply, rst.number],
            )),
            (Some(fin), None) => {
                good.extend([last_reply, fin.number]);
                None
            }
            (None, None) => Some((
                pick(lang,
                    format!("no FIN from the submission after the reply (#{last_reply}): it never closed"),
                    format!("回复(#{last_reply})之后提交的程序没有发 FIN:它没有关闭")),
                vec![last_reply],
            )),
        };
        if let Some((got, packets)) = got {
            return outcome(false, expected, got, packets);
        }
    }
    outcome(
        true,
        expected,
        pick(
            lang,
            format!("reply, then FIN ({})", frame_list(&good)),
            format!("先收回复,再 FIN({})", frame_list(&good)),
        ),
        good,
    )
}

fn graceful_close(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        "a FIN from the submission on every connection, and no RST",
        "提交的程序在每个连接上都发 FIN,没有 RST",
    )
    .to_string();
    if subject.established().next().is_none() {
        return none_established(subject, expected, lang);
    }
    let mut fins = Vec::new();
    for connection in subject.established() {
        if let Some(rst) = connection.first_rst(connection.submission) {
            let got = pick(
                lang,
                format!(
                    "connection {}: RST #{} from the submission (an abortive close)",
                    connection.number, rst.number
                ),
                format!(
                    "第 {} 个连接:提交的程序发出 RST #{}(异常关闭)",
                    connection.number, rst.number
                ),
            );
            return outcome(false, expected, got, vec![rst.number]);
        }
        match connection.first_fin(connection.submission) {
            Some(fin) => fins.push(fin.number),
            None => {
                let last = connection.packets.last().map_or(0, |p| p.number);
                let got = pick(
                    lang,
                    format!(
                        "connection {} ({}): no FIN from the submission; it ended in {}",
                        connection.number,
                        connection.frame_range(),
                        state_of(lang, connection)
                    ),
                    format!(
                        "第 {} 个连接({}):提交的程序没有发 FIN;最终状态 {}",
                        connection.number,
                        connection.frame_range(),
                        state_of(lang, connection)
                    ),
                );
                return outcome(false, expected, got, vec![last]);
            }
        }
    }
    outcome(
        true,
        expected,
        pick(
            lang,
            format!("FIN {}", frame_list(&fins)),
            format!("FIN {}", frame_list(&fins)),
        ),
        fins,
    )
}

fn active_closer(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        "the submission's FIN first on every connection",
        "每个连接上都是提交的程序先发 FIN",
    )
    .to_string();
    if subject.established().next().is_none() {
        return none_established(subject, expected, lang);
    }
    let mut fins = Vec::new();
    for connection in subject.established() {
        let mine = connection.first_fin(connection.submission);
        let theirs = connection.first_fin(connection.socklab());
        match (mine, theirs) {
            (Some(mine), Some(theirs)) if theirs.number < mine.number => {
                let got = pick(lang, format!("connection {}: socklab's FIN #{} came first, the submission's FIN #{} after it", connection.number, theirs.number, mine.number), format!("第 {} 个连接:socklab 的 FIN #{} 在前,提交的程序的 FIN #{} 在后", connection.number, theirs.number, mine.number));
                return outcome(false, expected, got, vec![theirs.number, mine.number]);
            }
            (Some(mine), _) => fins.push(mine.number),
            (None, Some(theirs)) => {
                let got = pick(
                    lang,
                    format!(
                        "connection {}: only socklab closed (FIN #{})",
                        connection.number, theirs.number
                    ),
                    format!(
                        "第 {} 个连接:只有 socklab 关闭了(FIN #{})",
                        connection.number, theirs.number
                    ),
                );
                return outcome(false, expected, got, vec![theirs.number]);
            }
            (None, None) => {
                let got = pick(
                    lang,
                    format!("connection {}: nobody closed it", connection.number),
                    format!("第 {} 个连接:双方都没有关闭", connection.number),
                );
                return outcome(
                    false,
                    expected,
                    got,
                    connection
                        .packets
                        .last()
                        .map(|p| p.number)
                        .into_iter()
                        .collect(),
                );
            }
        }
    }
    outcome(
        true,
        expected,
        pick(
            lang,
            format!("the submission's FIN first ({})", frame_list(&fins)),
            format!("提交的程序先发 FIN({})", frame_list(&fins)),
        ),
        fins,
    )
}

fn no_half_open(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        "every connection closed on both sides (TIME-WAIT or CLOSED)",
        "每个连接两端都已关闭(TIME-WAIT 或 CLOSED)",
    )
    .to_string();
    if subject.established().next().is_none() {
        return none_established(subject, expected, lang);
    }
    let closed = |state: TcpState| matches!(state, TcpState::TimeWait | TcpState::Closed);
    for connection in subject.established() {
        let Some((submission, socklab)) = connection.final_states() else {
            continue;
        };
        if !(closed(submission) && closed(socklab)) {
            let last = connection.packets.last().map_or(0, |p| p.number);
            let who = if !closed(submission) {
                pick(
                    lang,
                    "the submission never finished closing its side",
                    "提交的程序没有关闭自己这一端",
                )
            } else {
                pick(lang, "socklab's side was left open", "socklab 这一端未关闭")
            };
            let got = pick(lang,
                format!("connection {} ({}) ended with submission {submission} / socklab {socklab}: {who}", connection.number, connection.frame_range()),
                format!("第 {} 个连接({})最终为 提交的程序 {submission} / socklab {socklab}:{who}", connection.number, connection.frame_range()));
            return outcome(false, expected, got, vec![last]);
        }
    }
    let lasts: Vec<u64> = subject
        .established()
        .filter_map(|c| c.packets.last().map(|p| p.number))
        .collect();
    outcome(
        true,
        expected,
        pick(
            lang,
            format!("all closed (last packets {})", frame_list(&lasts)),
            format!("全部关闭(最后的包 {})", frame_list(&lasts)),
        ),
        lasts,
    )
}

fn connections(subject: &Subject<'_>, range: CountRange, lang: Lang) -> CheckOutcome {
    let count = subject.connections.len();
    let syns: Vec<u64> = subject
        .connections
        .iter()
        .filter_map(|c| c.syn().map(|p| p.number))
        .collect();
    let expected = pick(
        lang,
        format!("{} TCP connection(s)", range.describe(lang)),
        format!("{} TCP 连接", range.describe(lang)),
    );
    let got = pick(
        lang,
        format!("{count} connection(s) (SYN {})", frame_list(&syns)),
        format!("{count} 个连接(SYN {})", frame_list(&syns)),
    );
    outcome(range.contains(count), expected, got, syns)
}

fn datagrams(
    subject: &Subject<'_>,
    from: Side,
    range: CountRange,
    sizes: Option<&[u32]>,
    lang: Lang,
) -> CheckOutcome {
    let sent: Vec<_> = subject
        .datagrams()
        .into_iter()
        .filter(|datagram| datagram.from == from)
        .collect();
    let seen_sizes: Vec<u32> = sent.iter().map(|d| d.packet.payload_len() as u32).collect();
    let packets: Vec<u64> = sent.iter().map(|d| d.packet.number).collect();
    let list = |sizes: &[u32]| {
        sizes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut expected = pick(
        lang,
        format!(
            "{} datagram(s) from {}",
            range.describe(lang),
            side_name(lang, from)
        ),
        format!(
            "{}发送{}数据报",
            side_name(lang, from),
            range.describe(lang)
        ),
    );
    if let Some(sizes) = sizes {
        expected.push_str(&pick(
            lang,
            format!(" of {} bytes", list(sizes)),
            format!(",大小依次为 {} 字节", list(sizes)),
        ));
    }
    let got = if sent.is_empty() {
        pick(lang, "no datagram".to_string(), "没有数据报".to_string())
    } else {
        pick(
            lang,
            format!(
                "{} datagram(s) of {} bytes ({})",
                sent.len(),
                list(&seen_sizes),
                frame_list(&packets)
            ),
            format!(
                "{} 个数据报,大小 {} 字节({})",
                sent.len(),
                list(&seen_sizes),
                frame_list(&packets)
            ),
        )
    };
    let passed = (range == CountRange::default() || range.contains(sent.len()))
        && sizes.is_none_or(|sizes| sizes == seen_sizes.as_slice());
    outcome(passed, expected, got, packets)
}

fn delivered(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        "no ICMP port unreachable: every datagram reached a bound socket",
        "没有 ICMP 端口不可达:每个数据报都送到了已绑定的套接字",
    )
    .to_string();
    let unreachables = subject.unreachables();
    if subject.datagrams().is_empty() {
        return outcome(
            false,
            expected,
            pick(lang, "no datagram at all", "没有任何数据报").to_string(),
            Vec::new(),
        );
    }
    match unreachables.first() {
        None => {
            let packets: Vec<u64> = subject
                .datagrams()
                .iter()
                .map(|d| d.packet.number)
                .collect();
            outcome(
                true,
                expected,
                pick(
                    lang,
                    format!("all delivered ({})", frame_list(&packets)),
                    format!("全部送达({})", frame_list(&packets)),
                ),
                packets,
            )
        }
        Some((icmp, quoted)) => {
            let got = match quoted {
                Some(datagram) => pick(
                    lang,
                    format!(
                        "datagram #{} to port {} was answered by ICMP port unreachable #{}",
                        datagram.number,
                        datagram.dst_port().unwrap_or(0),
                        icmp.number
                    ),
                    format!(
                        "发往端口 {} 的数据报 #{} 收到 ICMP 端口不可达 #{}",
                        datagram.dst_port().unwrap_or(0),
                        datagram.number,
                        icmp.number
                    ),
                ),
                None => pick(
                    lang,
                    format!("ICMP port unreachable #{}", icmp.number),
                    format!("ICMP 端口不可达 #{}", icmp.number),
                ),
            };
            let packets = quoted
                .map(|d| d.number)
                .into_iter()
                .chain([icmp.number])
                .collect();
            outcome(false, expected, got, packets)
        }
    }
}

fn multi_client(subject: &Subject<'_>, min: usize, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        format!("at least {min} clients served, one after another"),
        format!("依次服务至少 {min} 个客户端"),
    );
    let served: Vec<&Connection<'_>> = subject
        .established()
        .filter(|c| !c.data(c.submission).is_empty() || c.first_fin(c.submission).is_some())
        .collect();
    let mut packets: Vec<u64> = served
        .iter()
        .filter_map(|c| c.syn().map(|p| p.number))
        .collect();
    if served.len() >= min {
        let got = pick(
            lang,
            format!(
                "{} clients served (SYN {})",
                served.len(),
                frame_list(&packets)
            ),
            format!(
                "服务了 {} 个客户端(SYN {})",
                served.len(),
                frame_list(&packets)
            ),
        );
        return outcome(true, expected, got, packets);
    }
    let mut got = pick(
        lang,
        format!(
            "{} of {} connection(s) served",
            served.len(),
            subject.connections.len()
        ),
        format!(
            "{} 个连接中服务了 {} 个",
            subject.connections.len(),
            served.len()
        ),
    );
    let unserved = subject
        .connections
        .iter()
        .find(|c| !served.iter().any(|s| s.number == c.number));
    match unserved {
        Some(connection) => {
            if let Some((syn, rst)) = connection.was_refused() {
                packets.extend([syn.number, rst.number]);
                got.push_str(&pick(lang,
                    format!("; connection {}: SYN #{} was refused by RST #{}: the server had stopped listening", connection.number, syn.number, rst.number),
                    format!(";第 {} 个连接:SYN #{} 被 RST #{} 拒绝:服务器已经不再监听", connection.number, syn.number, rst.number)));
            } else {
                packets.extend(connection.packets.iter().map(|p| p.number));
                got.push_str(&pick(lang,
                    format!("; connection {} ({}): the kernel completed the handshake from the listen backlog, but the server never answered nor closed: accept() was not called again", connection.number, connection.frame_range()),
                    format!(";第 {} 个连接({}):内核从监听队列完成了握手,但服务器既没有回复也没有关闭:没有再次调用 accept()", connection.number, connection.frame_range())));
            }
        }
        None => got.push_str(&pick(
            lang,
            format!(
                "; socklab could not open more connections (its script stopped after {})",
                subject.connections.len()
            ),
            format!(
                ";socklab 没能建立更多连接(脚本在第 {} 个之后停止)",
                subject.connections.len()
            ),
        )),
    }
    outcome(false, expected, got, packets)
}

fn half_close(subject: &Subject<'_>, lang: Lang) -> CheckOutcome {
    let expected = pick(
        lang,
        "the submission's FIN before socklab's reply, then the reply received without RST",
        "提交的程序先发 FIN,之后仍正常收到 socklab 的回复,没有 RST",
    )
    .to_string();
    let Some(connection) = subject.established().next() else {
        return none_established(subject, expected, lang);
    };
    let fin = connection.first_fin(connection.submission);
    let reply = connection.data(connection.socklab());
    let rst = connection.first_rst(connection.submission);
    let (passed, got, packets) = match (fin, reply.first(), rst) {
        (None, _, _) => (false, pick(lang, "no FIN from the submission: it never shut down its sending side, so socklab kept waiting for the end of the request".to_string(), "提交的程序没有发 FIN:它没有关闭发送方向,所以 socklab 一直在等请求结束".to_string()), connection.packets.last().map(|p| p.number).into_iter().collect()),
        (Some(fin), None, _) => (false, pick(lang, format!("FIN #{}, but no reply followed", fin.number), format!("FIN #{},但之后没有回复", fin.number)), vec![fin.number]),
        (Some(fin), Some(first), _) if first.number < fin.number => (false, pick(lang, format!("socklab's data #{} came before the submission's FIN #{}", first.number, fin.number), format!("socklab 的数据 #{} 在提交的程序的 FIN #{} 之前", first.number, fin.number)), vec![first.number, fin.number]),
        (Some(fin), Some(first), Some(rst)) => (false, pick(lang, format!("FIN #{}, reply #{}, then RST #{}: the submission called close() instead of shutdown(SHUT_WR), so the reply was refused", fin.number, first.number, rst.number), format!("FIN #{}、回复 #{},然后 RST #{}:提交的程序调用的是 close() 而不是 shutdown(SHUT_WR),回复被拒收", fin.number, first.number, rst.number)), vec![fin.number, first.number, rst.number]),
        (Some(fin), Some(first), None) => (true, pick(lang, format!("FIN #{}, then the reply #{} was received", fin.number, first.number), format!("FIN #{},之后收到回复 #{}", fin.number, first.number)), vec![fin.number, first.number]),
    };
    outcome(passed, expected, got, packets)
}

fn history(
    subject: &Subject<'_>,
    pattern: &regex::Regex,
    number: Option<usize>,
    lang: Lang,
) -> CheckOutcome {
    let expected = pick(
        lang,
        format!("a history matching {}", pattern.as_str()),
        format!("符合 {} 的连接历史", pattern.as_str()),
    );
    let chosen: Vec<&Connection<'_>> = subject
        .connections
        .iter()
        .filter(|c| number.is_none_or(|n| c.number == n))
        .collect();
    if chosen.is_empty() {
        return outcome(false, expected, no_connection(lang), Vec::new());
    }
    let mut histories = Vec::new();
    for connection in &chosen {
        let history = &connection.flow.history;
        if !pattern.is_match(history) {
            let got = pick(
                lang,
                format!(
                    "connection {} ({}): {history}",
                    connection.number,
                    connection.frame_range()
                ),
                format!(
                    "第 {} 个连接({}):{history}",
                    connection.number,
                    connection.frame_range()
                ),
            );
            return outcome(
                false,
                expected,
                got,
                connection.packets.iter().map(|p| p.number).collect(),
            );
        }
        histories.push(history.clone());
    }
    outcome(true, expected, histories.join(", "), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::test_frames::{Capture, Tcp};
    use crate::grade::wire::Wire;
    use regex::Regex;

    const SUB: Role = Role::Client;
    const LAB: Role = Role::Server;

    fn graded(wire: &Wire, role: Role) -> Subject<'_> {
        Subject::new(wire, 5000, role, &[], None)
    }

    fn run(check: &Check, capture: &Capture) -> CheckOutcome {
        let wire = capture.analyse();
        evaluate(check, &graded(&wire, Role::Client), Lang::En)
    }

    /// A correct client: hello, reply, client closes first.
    fn good_client() -> Capture {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture); // 1-3
        tcp.exchange(&mut capture, SUB, b"hello\n"); // 4-5
        tcp.exchange(&mut capture, LAB, b"hello, client\n"); // 6-7
        tcp.close(&mut capture, SUB); // 8-11
        capture
    }

    fn equals(bytes: &[u8]) -> Check {
        Check::Payload {
            from: Side::Submission,
            matcher: Matcher::Equals(bytes.to_vec()),
            connection: None,
            datagram: None,
        }
    }

    #[test]
    fn a_correct_client_passes_every_tcp_check() {
        let capture = good_client();
        for check in [
            Check::Handshake,
            Check::Port,
            equals(b"hello\n"),
            Check::ReadReply,
            Check::GracefulClose,
            Check::ActiveCloser,
            Check::NoHalfOpen,
            Check::Connections(CountRange {
                min: Some(1),
                max: Some(1),
            }),
            Check::History {
                pattern: Regex::new("^ShAD").unwrap(),
                connection: None,
            },
        ] {
            let result = run(&check, &capture);
            assert!(result.passed, "{}: {result:?}", check.name());
        }
    }

    #[test]
    fn a_wrong_payload_shows_the_first_difference_and_its_packet() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, SUB, b"hello");
        let result = run(&equals(b"hello\n"), &capture);
        assert!(!result.passed);
        assert_eq!(result.expected, "\"hello\\n\" (6 bytes)");
        assert_eq!(
            result.got,
            "\"hello\" (5 bytes); first difference at byte 5: expected \"\\n\" (0x0a), got end of data in #4"
        );
        assert_eq!(result.packets, [4]);
    }

    #[test]
    fn closing_before_the_reply_or_with_rst_loses_read_reply() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, SUB, b"hello\n"); // 4-5
        tcp.fin(&mut capture, SUB); // 6
        tcp.data(&mut capture, LAB, b"reply\n"); // 7
        tcp.rst(&mut capture, SUB); // 8
        let result = run(&Check::ReadReply, &capture);
        assert!(!result.passed);
        assert!(
            result.got.starts_with("RST #8 answered the reply (#7–#7)"),
            "{}",
            result.got
        );
        let graceful = run(&Check::GracefulClose, &capture);
        assert_eq!(
            graceful.got,
            "connection 1: RST #8 from the submission (an abortive close)"
        );
    }

    #[test]
    fn a_client_that_never_closes_leaves_the_connection_open() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, SUB, b"hello\n");
        tcp.exchange(&mut capture, LAB, b"hi\n"); // 6-7
        let result = run(&Check::NoHalfOpen, &capture);
        assert!(!result.passed);
        assert_eq!(
            result.got,
            "connection 1 (#1–#7) ended with submission ESTABLISHED / socklab ESTABLISHED: the submission never finished closing its side"
        );
        let closer = run(&Check::ActiveCloser, &capture);
        assert_eq!(closer.got, "connection 1: nobody closed it");
    }

    #[test]
    fn a_refused_connection_fails_the_handshake_with_both_packets() {
        let mut capture = Capture::default();
        Tcp::new(40000, 5001).refused(&mut capture);
        let result = run(&Check::Handshake, &capture);
        assert!(!result.passed);
        assert_eq!(
            result.got,
            "SYN #1 to port 5001 was answered by RST #2 (connection refused)"
        );
        assert_eq!(result.packets, [1, 2]);
        let port = run(&Check::Port, &capture);
        assert!(!port.passed);
        assert_eq!(port.got, "connected to port 5001 (SYN #1)");
    }

    #[test]
    fn udp_counts_sizes_and_icmp() {
        let mut capture = Capture::default();
        capture.udp(40000, 5000, b"hello");
        capture.udp(40000, 5001, b"world");
        capture.port_unreachable(40000, 5001, b"world");
        let wire = capture.analyse();
        let subject = graded(&wire, Role::Client);
        let count = evaluate(
            &Check::Datagrams {
                from: Side::Submission,
                count: CountRange {
                    min: Some(2),
                    max: Some(2),
                },
                sizes: Some(vec![5, 5]),
            },
            &subject,
            Lang::En,
        );
        assert!(count.passed, "{count:?}");
        let port = evaluate(&Check::Port, &subject, Lang::En);
        assert!(!port.passed);
        assert_eq!(port.packets, [2]);
        let delivered = evaluate(&Check::Delivered, &subject, Lang::En);
        assert_eq!(
            delivered.got,
            "datagram #2 to port 5001 was answered by ICMP port unreachable #3"
        );
        let second = evaluate(
            &Check::Payload {
                from: Side::Submission,
                matcher: Matcher::Equals(b"world".to_vec()),
                connection: None,
                datagram: Some(2),
            },
            &subject,
            Lang::En,
        );
        assert!(second.passed, "{second:?}");
    }

    #[test]
    fn a_server_that_stops_after_one_client_is_not_multi_client() {
        let mut capture = Capture::default();
        let mut first = Tcp::new(40000, 5000);
        first.handshake(&mut capture);
        first.exchange(&mut capture, Role::Client, b"client 1\n");
        first.exchange(&mut capture, Role::Server, b"CLIENT 1\n");
        first.close(&mut capture, Role::Client); // 8-11
        Tcp::new(40001, 5000).refused(&mut capture); // 12-13
        let wire = capture.analyse();
        let subject = graded(&wire, Role::Server);
        let result = evaluate(&Check::MultiClient { min: 2 }, &subject, Lang::En);
        assert!(!result.passed);
        assert_eq!(result.got, "1 of 2 connection(s) served; connection 2: SYN #12 was refused by RST #13: the server had stopped listening");
    }

    #[test]
    fn half_close_needs_fin_first_and_no_rst() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, SUB, b"count these\n"); // 4-5
        tcp.fin(&mut capture, SUB); // 6
        tcp.ack(&mut capture, LAB); // 7
        tcp.exchange(&mut capture, LAB, b"12 bytes\n"); // 8-9
        tcp.fin(&mut capture, LAB); // 10
        tcp.ack(&mut capture, SUB); // 11
        let result = run(&Check::HalfClose, &capture);
        assert!(result.passed, "{result:?}");
        let history = run(
            &Check::History {
                pattern: Regex::new("^ShAD.*F.*d").unwrap(),
                connection: None,
            },
            &capture,
        );
        assert!(history.passed, "{history:?}");
    }
}
