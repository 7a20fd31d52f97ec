//! Quiz questions in the spirit of the Kurose & Ross Wireshark labs. Every answer is computed from the
//! capture of this very run, and comes with how it was derived ("ack of SYN-ACK = client ISN + 1").

use super::error::{Diagnostic, LessonError};
use super::facts::{PacketFacts, TransportFacts};
use super::model::{Lesson, Question};
use super::question_kind::QuestionKind;
use super::runner::LessonRun;
use super::text::tr;
use crate::analysis::{Role, Summary, TcpState};
use crate::decode::{IpVersion, TcpFlags, TcpOptions};
use crate::lang::Lang;
use crate::timeline::{CallOutcome, TimelineEntry};

/// A question, its answer for this run, and how the answer follows from the capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub number: usize,
    pub kind: QuestionKind,
    pub question: String,
    /// The answer as shown.
    pub answer: String,
    /// Inputs that count as right, normalized.
    accepted: Vec<String>,
    pub derivation: String,
}

impl Answer {
    /// Whether a learner's reply is right (case, spaces, units and dash styles do not matter).
    pub fn accepts(&self, reply: &str) -> bool {
        let reply = normalize(reply);
        !reply.is_empty() && self.accepted.contains(&reply)
    }
}

/// Lower case, no spaces, one dash style, no unit words: "40 bytes" → "40", "32768 – 60999" → "32768-60999".
fn normalize(text: &str) -> String {
    let mut text = text.trim().to_lowercase();
    for dash in ["–", "—", "~", "～", " to ", "至", "到"] {
        text = text.replace(dash, "-");
    }
    text = text.replace(['，', '、', '/', ';'], ",");
    let mut text: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '#' && *c != '.' && *c != '。')
        .collect();
    for unit in ["bytes", "byte", "字节", "个", "b"] {
        if let Some(number) = text.strip_suffix(unit) {
            if number.chars().all(|c| c.is_ascii_digit()) && !number.is_empty() {
                text = number.to_string();
            }
        }
    }
    text
}

/// Everything the answers are computed from.
pub(crate) struct QuizInput<'a> {
    pub lesson: &'a Lesson,
    pub run: &'a LessonRun,
    pub facts: &'a [PacketFacts],
    pub summary: &'a Summary,
    pub lang: Lang,
}

/// Computes every question's answer; a question whose packets this run does not have is an error of
/// the lesson, reported at the question's line.
pub(crate) fn answers(input: &QuizInput<'_>) -> Result<Vec<Answer>, LessonError> {
    input
        .lesson
        .questions
        .iter()
        .enumerate()
        .map(|(index, question)| {
            answer(input, question, index + 1).map_err(|missing| {
                let lesson = input.lesson;
                let offset =
                    super::runner::line_offset(&lesson.source, question.line, question.column);
                LessonError::Failed(Box::new(Diagnostic::at(
                    &lesson.file,
                    &lesson.source,
                    (offset, offset + question.kind.name().len()),
                    format!(
                        "Question {} (`{}`) cannot be answered from this run: {missing}.",
                        index + 1,
                        question.kind.name()
                    ),
                )))
            })
        })
        .collect()
}

struct Built {
    question: String,
    answer: String,
    accepted: Vec<String>,
    derivation: String,
}

fn number_answer(question: String, value: impl ToString, derivation: String) -> Built {
    let value = value.to_string();
    Built {
        question,
        accepted: vec![normalize(&value)],
        answer: value,
        derivation,
    }
}

fn answer(input: &QuizInput<'_>, question: &Question, number: usize) -> Result<Answer, String> {
    let lang = input.lang;
    let facts = input.facts;
    let en = lang == Lang::En;
    let built = match question.kind {
        QuestionKind::ClientPortRange => {
            let (low, high) = input
                .run
                .port_range
                .ok_or("/proc/sys/net/ipv4/ip_local_port_range could not be read")?;
            let first = facts
                .iter()
                .find(|packet| packet.from == Some(Role::Client) && packet.ports().is_some())
                .ok_or("it captured no packet from a client")?;
            let (port, _) = first.ports().unwrap_or_default();
            let inside = (low..=high).contains(&port);
            let range = format!("{low}-{high}");
            let name = input.run.names.port_name(port).unwrap_or("client").to_string();
            let derivation = match (en, inside) {
                (true, true) => format!("The client never called bind(), so the kernel gave it a free port from net.ipv4.ip_local_port_range = {low}–{high} (/proc/sys/net/ipv4/ip_local_port_range). The capture agrees: the client's port in packet #{} ({name}) lies in that range.", first.number),
                (true, false) => format!("The kernel's ephemeral range is {low}–{high} (/proc/sys/net/ipv4/ip_local_port_range), but the client's port in packet #{} ({name}) lies outside it: it was bound explicitly.", first.number),
                (false, true) => format!("客户端从未调用 bind()，所以内核从 net.ipv4.ip_local_port_range = {low}–{high}（/proc/sys/net/ipv4/ip_local_port_range）中给它分配了一个空闲端口。抓包结果一致：第 #{} 个包中客户端的端口（{name}）就在这个范围内。", first.number),
                (false, false) => format!("内核的临时端口范围是 {low}–{high}（/proc/sys/net/ipv4/ip_local_port_range），但第 #{} 个包中客户端的端口（{name}）不在其中：它是显式绑定的。", first.number),
            };
            Built {
                question: tr(lang, "The client never called bind(). From which range of ports did the kernel pick the client's port? (answer as low-high)", "客户端从未调用 bind()。内核是从哪个端口范围里为客户端挑选端口的？（按“最小-最大”格式回答）").to_string(),
                accepted: vec![normalize(&range), format!("{low},{high}"), format!("{low}{high}")],
                answer: range,
                derivation,
            }
        }
        QuestionKind::ServerPort => {
            let first = facts
                .iter()
                .find(|packet| packet.from == Some(Role::Client) && packet.ports().is_some())
                .ok_or("it captured no packet from a client")?;
            let (_, port) = first.ports().unwrap_or_default();
            number_answer(
                tr(lang, "Which port number does the server use?", "服务器使用的端口号是多少？").to_string(),
                port,
                if en {
                    format!("Packet #{} goes to destination port {port}: the port the server bound with bind() and listens on.", first.number)
                } else {
                    format!("第 #{} 个包的目的端口是 {port}：这正是服务器用 bind() 绑定并在其上监听的端口。", first.number)
                },
            )
        }
        QuestionKind::WellKnownPort => {
            let first = facts
                .iter()
                .find(|packet| packet.from == Some(Role::Client) && packet.ports().is_some())
                .ok_or("it captured no packet from a client")?;
            let (_, port) = first.ports().unwrap_or_default();
            let well_known = port < 1024;
            let (answer, accepted): (&str, &[&str]) = match (well_known, en) {
                (true, true) => ("yes", &["yes", "y", "是", "是的"]),
                (false, true) => ("no", &["no", "n", "否", "不是"]),
                (true, false) => ("是", &["yes", "y", "是", "是的"]),
                (false, false) => ("否", &["no", "n", "否", "不是"]),
            };
            Built {
                question: tr(lang, "Is the server's port a well-known port (yes or no)?", "服务器的端口是知名端口吗？（是/否）").to_string(),
                answer: answer.to_string(),
                accepted: accepted.iter().map(|text| normalize(text)).collect(),
                derivation: if en {
                    format!("The server's port is {port} (packet #{}), which is {} 1024. Ports 0–1023 are the well-known ports (HTTP 80, HTTPS 443, SSH 22); binding one needs privileges (CAP_NET_BIND_SERVICE).", first.number, if well_known { "below" } else { "not below" })
                } else {
                    format!("服务器的端口是 {port}（第 #{} 个包），{} 1024。0–1023 是知名端口（HTTP 80、HTTPS 443、SSH 22），绑定它们需要特权（CAP_NET_BIND_SERVICE）。", first.number, if well_known { "小于" } else { "不小于" })
                },
            }
        }
        QuestionKind::SynAckAck => {
            let syn = client_syn(facts).ok_or("it captured no SYN")?;
            let syn_ack = facts
                .iter()
                .find(|packet| packet.tcp_flags().is_some_and(|flags| flags.syn() && flags.ack()))
                .ok_or("it captured no SYN-ACK")?;
            let ack = syn_ack.rel_ack.ok_or("the SYN-ACK's relative ack is unknown")?;
            let isn = syn.rel_seq.unwrap_or(0);
            number_answer(
                tr(lang, "What is the relative acknowledgement number of the SYN-ACK, and why?", "SYN-ACK 的相对确认号是多少？为什么？").to_string(),
                ack,
                if en {
                    format!("ack of SYN-ACK = client ISN + 1: the SYN (packet #{}, relative seq {isn}) occupies one sequence number, so the next byte the server expects is {isn} + 1 = {} (packet #{}).", syn.number, isn.wrapping_add(1), syn_ack.number)
                } else {
                    format!("SYN-ACK 的 ack = 客户端 ISN + 1：SYN（第 #{} 个包，相对序列号 {isn}）占用一个序列号，所以服务器期望的下一个字节是 {isn} + 1 = {}（第 #{} 个包）。", syn.number, isn.wrapping_add(1), syn_ack.number)
                },
            )
        }
        QuestionKind::SynHeader => {
            let syn = client_syn(facts).ok_or("it captured no SYN")?;
            let TransportFacts::Tcp { header_len, options, .. } = syn.transport else {
                return Err("the SYN is not TCP".into());
            };
            let options_len = u32::from(header_len).saturating_sub(20);
            number_answer(
                tr(lang, "How many bytes long is the TCP header of the client's SYN, and why more than 20?", "客户端 SYN 的 TCP 首部有多少字节？为什么超过 20？").to_string(),
                header_len,
                if en {
                    format!("{header_len} = 20 bytes of fixed header + {options_len} bytes of options in packet #{}: {}.", syn.number, option_list(&options, lang))
                } else {
                    format!("{header_len} = 20 字节固定首部 + {options_len} 字节选项（第 #{} 个包）：{}。", syn.number, option_list(&options, lang))
                },
            )
        }
        QuestionKind::Mss => {
            let syn = client_syn(facts).ok_or("it captured no SYN")?;
            let TransportFacts::Tcp { options, .. } = syn.transport else {
                return Err("the SYN is not TCP".into());
            };
            let mss = options.mss.ok_or("the SYN carries no MSS option")?;
            let ip_len = syn.ip.map_or(20, |ip| u32::from(ip.header_len));
            let mtu = std::fs::read_to_string("/sys/class/net/lo/mtu")
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok());
            let reasoning = match (mtu, syn.ip.map(|ip| ip.version)) {
                (Some(mtu), Some(version)) => {
                    let raw = mtu.saturating_sub(ip_len).saturating_sub(20);
                    let capped = if version == IpVersion::V4 { raw.min(65535 - 40) } else { raw };
                    match (capped == u32::from(mss), raw == capped, en) {
                        (true, true, true) => format!(" Linux computes it from lo's MTU: {mtu} − {ip_len} (IP header) − 20 (TCP header) = {mss}."),
                        (true, false, true) => format!(" Linux computes it from lo's MTU: {mtu} − {ip_len} (IP header) − 20 (TCP header) = {raw}, capped for IPv4 at 65535 − 40 = {mss}."),
                        (true, true, false) => format!("Linux 由 lo 的 MTU 算出：{mtu} − {ip_len}（IP 首部）− 20（TCP 首部）= {mss}。"),
                        (true, false, false) => format!("Linux 由 lo 的 MTU 算出：{mtu} − {ip_len}（IP 首部）− 20（TCP 首部）= {raw}，IPv4 上限为 65535 − 40 = {mss}。"),
                        _ => String::new(),
                    }
                }
                _ => String::new(),
            };
            number_answer(
                tr(lang, "What maximum segment size (MSS) did the client announce in its SYN?", "客户端在 SYN 中通告的最大报文段长度（MSS）是多少？").to_string(),
                mss,
                if en {
                    format!("Read from the MSS option of packet #{}: the most payload bytes the client wants in one segment.{reasoning}", syn.number)
                } else {
                    format!("取自第 #{} 个包的 MSS 选项：客户端希望每个报文段最多携带的数据字节数。{reasoning}", syn.number)
                },
            )
        }
        QuestionKind::DataAck => {
            let data = facts
                .iter()
                .find(|packet| packet.is_tcp() && packet.payload_len() > 0)
                .ok_or("it captured no TCP data")?;
            let seq = data.rel_seq.ok_or("the data's relative seq is unknown")?;
            let len = data.payload_len();
            let expected = seq.wrapping_add(len);
            let ack = facts
                .iter()
                .filter(|packet| packet.number > data.number && packet.flow == data.flow && packet.from != data.from)
                .find(|packet| packet.rel_ack.is_some_and(|ack| ack.wrapping_sub(expected) as i32 >= 0))
                .ok_or("no acknowledgement of the first data segment was captured")?;
            let actual = ack.rel_ack.unwrap_or(expected);
            let sender = side_name(data.from, lang);
            number_answer(
                if en {
                    format!("The {sender} sent {len} bytes at relative seq {seq} (packet #{}). What acknowledgement number comes back?", data.number)
                } else {
                    format!("{sender}在相对序列号 {seq} 处发送了 {len} 字节（第 #{} 个包）。对方回送的确认号是多少？", data.number)
                },
                actual,
                if en {
                    format!("ack = seq + length = {seq} + {len} = {expected}: the number of the next byte the peer expects (packet #{} carries ack {actual}).", ack.number)
                } else {
                    format!("ack = seq + 长度 = {seq} + {len} = {expected}：即对方期望收到的下一个字节的序号（第 #{} 个包的 ack 是 {actual}）。", ack.number)
                },
            )
        }
        QuestionKind::NextSeq => {
            let mut data = facts.iter().filter(|packet| packet.is_tcp() && packet.payload_len() > 0);
            let first = data.next().ok_or("it captured no TCP data")?;
            let second = data
                .find(|packet| packet.from == first.from && packet.flow == first.flow)
                .ok_or("it captured only one data segment from that side")?;
            let seq = first.rel_seq.ok_or("the data's relative seq is unknown")?;
            let next = seq.wrapping_add(first.payload_len());
            number_answer(
                if en {
                    format!("What relative sequence number does the {}'s second data segment (packet #{}) carry?", side_name(first.from, lang), second.number)
                } else {
                    format!("{}的第二个数据报文段（第 #{} 个包）的相对序列号是多少？", side_name(first.from, lang), second.number)
                },
                second.rel_seq.unwrap_or(next),
                if en {
                    format!("seq of packet #{} = seq of packet #{} + its length = {seq} + {} = {next}: sequence numbers count bytes, not segments.", second.number, first.number, first.payload_len())
                } else {
                    format!("第 #{} 个包的 seq = 第 #{} 个包的 seq + 其长度 = {seq} + {} = {next}：序列号计的是字节，而不是报文段。", second.number, first.number, first.payload_len())
                },
            )
        }
        QuestionKind::TcpHeader => {
            let data = facts
                .iter()
                .find(|packet| packet.is_tcp() && packet.payload_len() > 0)
                .ok_or("it captured no TCP data")?;
            let TransportFacts::Tcp { header_len, options, .. } = data.transport else {
                return Err("no TCP data".into());
            };
            number_answer(
                tr(lang, "How many bytes long is the TCP header of a data segment in this run?", "本次运行中，数据报文段的 TCP 首部有多少字节？").to_string(),
                header_len,
                if en {
                    format!("Packet #{}: 20 bytes of fixed header (ports, seq, ack, offset, flags, window, checksum, urgent pointer) + {} bytes of options: {}.", data.number, u32::from(header_len).saturating_sub(20), option_list(&options, lang))
                } else {
                    format!("第 #{} 个包：20 字节固定首部（端口、seq、ack、首部长度、标志、窗口、校验和、紧急指针）+ {} 字节选项：{}。", data.number, u32::from(header_len).saturating_sub(20), option_list(&options, lang))
                },
            )
        }
        QuestionKind::UdpHeader => {
            let datagram = facts.iter().find(|packet| packet.is_udp()).ok_or("it captured no UDP datagram")?;
            let TransportFacts::Udp { length, payload_len, .. } = datagram.transport else {
                return Err("no UDP".into());
            };
            let header = u32::from(length).saturating_sub(payload_len);
            number_answer(
                tr(lang, "How many bytes long is the UDP header?", "UDP 首部有多少字节？").to_string(),
                header,
                if en {
                    format!("UDP length field ({length}) − payload ({payload_len}) = {header} bytes in packet #{}: source port, destination port, length and checksum, 2 bytes each. TCP's header is at least 20.", datagram.number)
                } else {
                    format!("第 #{} 个包：UDP 长度字段（{length}）− 数据（{payload_len}）= {header} 字节：源端口、目的端口、长度、校验和，各 2 字节。而 TCP 首部至少 20 字节。", datagram.number)
                },
            )
        }
        QuestionKind::IpHeader => {
            let first = facts.iter().find(|packet| packet.ip.is_some()).ok_or("it captured no IP packet")?;
            let ip = first.ip.ok_or("no IP header")?;
            let derivation = match (ip.version, en) {
                (IpVersion::V4, true) => format!("Packet #{} is IPv4 without options: version/IHL, TOS, total length, identification, flags/fragment offset, TTL, protocol, checksum (12 bytes) + two 4-byte addresses = {} bytes.", first.number, ip.header_len),
                (IpVersion::V6, true) => format!("Packet #{} is IPv6, whose fixed header is always {} bytes: 8 bytes of version, traffic class, flow label, payload length, next header and hop limit, then two 16-byte addresses. No checksum, no options (extension headers would follow).", first.number, ip.header_len),
                (IpVersion::V4, false) => format!("第 #{} 个包是不带选项的 IPv4：版本/首部长度、服务类型、总长度、标识、标志/片偏移、TTL、协议、校验和（共 12 字节）+ 两个 4 字节地址 = {} 字节。", first.number, ip.header_len),
                (IpVersion::V6, false) => format!("第 #{} 个包是 IPv6，固定首部总是 {} 字节：8 字节的版本、流量类别、流标签、载荷长度、下一首部、跳数限制，再加两个 16 字节地址。没有校验和，也没有选项（扩展首部会跟在后面）。", first.number, ip.header_len),
            };
            number_answer(
                tr(lang, "How many bytes long is the IP header of these packets?", "这些包的 IP 首部有多少字节？").to_string(),
                ip.header_len,
                derivation,
            )
        }
        QuestionKind::TeardownSegments => {
            let first_fin = facts
                .iter()
                .find(|packet| packet.tcp_flags().is_some_and(|flags| flags.fin()))
                .ok_or("it captured no FIN")?;
            let teardown: Vec<&PacketFacts> = facts
                .iter()
                .filter(|packet| packet.number >= first_fin.number && packet.flow == first_fin.flow && packet.is_tcp())
                .collect();
            let listing = teardown
                .iter()
                .map(|packet| format!("#{} {} {}", packet.number, side_name(packet.from, lang), flag_names(packet.tcp_flags().unwrap_or_default())))
                .collect::<Vec<_>>()
                .join(tr(lang, ", ", "，"));
            number_answer(
                tr(lang, "How many segments did the teardown take, from the first FIN to the end?", "从第一个 FIN 到结束，连接关闭一共用了几个报文段？").to_string(),
                teardown.len(),
                if en {
                    format!("Counted from the capture: {listing}. {}", if teardown.len() == 3 { "The server's ACK of the client's FIN rode on its own FIN." } else if teardown.len() == 4 { "Each FIN was acknowledged by a separate ACK." } else { "" })
                } else {
                    format!("从抓包中数出：{listing}。{}", if teardown.len() == 3 { "服务器对客户端 FIN 的确认搭载在它自己的 FIN 上。" } else if teardown.len() == 4 { "每个 FIN 都由一个单独的 ACK 确认。" } else { "" })
                },
            )
        }
        QuestionKind::HeaderBytes => {
            let datagram = facts.iter().find(|packet| packet.is_udp()).ok_or("it captured no UDP datagram")?;
            let ip_len = datagram.ip.map_or(0, |ip| u32::from(ip.header_len));
            let link = u32::from(datagram.link_header_len);
            let total = link + ip_len + 8;
            number_answer(
                tr(lang, "How many bytes of headers (Ethernet + IP + UDP) carried the first datagram's payload?", "第一个数据报的数据外面包了多少字节的首部（以太网 + IP + UDP）？").to_string(),
                total,
                if en {
                    format!("Packet #{}: Ethernet {link} + IP {ip_len} + UDP 8 = {total} bytes of headers for {} bytes of payload.", datagram.number, datagram.payload_len())
                } else {
                    format!("第 #{} 个包：以太网 {link} + IP {ip_len} + UDP 8 = {total} 字节首部，承载 {} 字节数据。", datagram.number, datagram.payload_len())
                },
            )
        }
        QuestionKind::RecvBytes => {
            let step = question.step.ok_or("the question names no step")?;
            let result = input.run.results.get(step - 1).ok_or("that step did not run")?;
            let value = result.value.ok_or("that step's call returned no byte count")?;
            let spec = input.lesson.steps.get(step - 1).ok_or("no such step")?;
            let receiver = &input.lesson.actor(spec.actor).name;
            let arrivals: Vec<&PacketFacts> = facts
                .iter()
                .filter(|packet| packet.step < step - 1 && packet.payload_len() > 0)
                .filter(|packet| packet.from.is_some() && side_name(packet.from, Lang::En) != role_word(input, spec.actor))
                .collect();
            let tcp = arrivals.iter().any(|packet| packet.is_tcp());
            let list = arrivals
                .iter()
                .filter(|packet| packet.is_tcp() == tcp)
                .map(|packet| format!("#{} ({} B)", packet.number, packet.payload_len()))
                .collect::<Vec<_>>()
                .join(tr(lang, ", ", "，"));
            number_answer(
                if en {
                    format!("How many bytes did the {receiver}'s {} in step {step} return?", spec.written)
                } else {
                    format!("第 {step} 步中 {receiver} 的 {} 返回了多少字节？", spec.written)
                },
                value,
                match (tcp, en) {
                    (true, true) => format!("The data came in packets {list}; TCP is a byte stream, so recv() returns all the bytes waiting in the buffer (up to its size), with no trace of how many send() calls made them: {value} bytes."),
                    (true, false) => format!("数据由 {list} 送达；TCP 是字节流，recv() 一次返回缓冲区里所有等待的字节（不超过缓冲区大小），看不出它们来自几次 send()：共 {value} 字节。"),
                    (false, true) => format!("UDP keeps message boundaries: one recvfrom() returns exactly one datagram, here {value} bytes (the datagrams were {list})."),
                    (false, false) => format!("UDP 保留消息边界：一次 recvfrom() 恰好返回一个数据报，这里是 {value} 字节（各数据报：{list}）。"),
                },
            )
        }
        QuestionKind::DatagramCount => {
            let datagrams: Vec<&PacketFacts> = facts
                .iter()
                .filter(|packet| packet.is_udp() && packet.from == Some(Role::Client))
                .collect();
            let list = datagrams
                .iter()
                .map(|packet| format!("#{} ({} B)", packet.number, packet.payload_len()))
                .collect::<Vec<_>>()
                .join(tr(lang, ", ", "，"));
            number_answer(
                tr(lang, "How many datagrams did the client send, and so how many recvfrom() calls does the server need?", "客户端发送了多少个数据报？因此服务器需要调用几次 recvfrom()？").to_string(),
                datagrams.len(),
                if en {
                    format!("The capture shows {} datagrams from the client: {list}. Each sendto() became one datagram, kept whole, and each recvfrom() returns exactly one.", datagrams.len())
                } else {
                    format!("抓包显示客户端发出了 {} 个数据报：{list}。每次 sendto() 成为一个完整的数据报，每次 recvfrom() 恰好返回一个。", datagrams.len())
                },
            )
        }
        QuestionKind::RstSender => {
            let reset = facts
                .iter()
                .find(|packet| packet.tcp_flags().is_some_and(|flags| flags.rst()))
                .ok_or("it captured no RST")?;
            let who = side_name(reset.from, lang);
            let accepted = match reset.from {
                Some(Role::Client) => vec!["client".to_string(), "客户端".to_string()],
                _ => vec!["server".to_string(), "服务器".to_string(), "服务端".to_string()],
            };
            Built {
                question: tr(lang, "Who sent the RST: the client or the server?", "RST 是谁发出的：客户端还是服务器？").to_string(),
                answer: who.to_string(),
                accepted,
                derivation: if en {
                    format!("Packet #{} has the RST flag set and goes from the {who} to the {}.", reset.number, side_name(other_role(reset.from), lang))
                } else {
                    format!("第 #{} 个包带有 RST 标志，方向是从{who}到{}。", reset.number, side_name(other_role(reset.from), lang))
                },
            }
        }
        QuestionKind::Errno => {
            let step = question.step.ok_or("the question names no step")?;
            let result = input.run.results.get(step - 1).ok_or("that step did not run")?;
            let errno = result.errno.clone().ok_or("that step's call did not fail")?;
            let spec = input.lesson.steps.get(step - 1).ok_or("no such step")?;
            let cause = errno_cause(&errno, facts, step, lang);
            Built {
                question: if en {
                    format!("Step {step}'s {} failed. With which errno?", spec.written)
                } else {
                    format!("第 {step} 步的 {} 失败了。错误码（errno）是什么？", spec.written)
                },
                accepted: vec![normalize(&errno)],
                answer: errno,
                derivation: cause,
            }
        }
        QuestionKind::TimeWaitSide => {
            let flow = input
                .summary
                .flows
                .iter()
                .find(|flow| {
                    flow.final_states.is_some_and(|states| {
                        states.client == TcpState::TimeWait || states.server == TcpState::TimeWait
                    })
                })
                .ok_or("no side ends in TIME-WAIT")?;
            let side = match flow.final_states {
                Some(states) if states.server == TcpState::TimeWait => Some(Role::Server),
                _ => Some(Role::Client),
            };
            let first_fin = facts
                .iter()
                .find(|packet| packet.flow == Some(flow.info.id) && packet.tcp_flags().is_some_and(|flags| flags.fin()))
                .map_or(0, |packet| packet.number);
            let who = side_name(side, lang);
            Built {
                question: tr(lang, "Which side ends in TIME-WAIT: the client or the server?", "哪一方最后处于 TIME-WAIT 状态：客户端还是服务器？").to_string(),
                answer: who.to_string(),
                accepted: match side {
                    Some(Role::Server) => vec!["server".into(), "服务器".into(), "服务端".into()],
                    _ => vec!["client".into(), "客户端".into()],
                },
                derivation: if en {
                    format!("The {who} sent the first FIN (packet #{first_fin}): it closed actively, and the active closer waits in TIME-WAIT (60 s on Linux) so that late segments of the old connection die out before its port pair can be used again.")
                } else {
                    format!("{who}发出了第一个 FIN（第 #{first_fin} 个包），是主动关闭方；主动关闭方要在 TIME-WAIT 中等待（Linux 上为 60 秒），让旧连接迟到的报文段消失之后，这对端口才能再次使用。")
                },
            }
        }
        QuestionKind::PacketCount => number_answer(
            tr(lang, "How many packets did the capture on lo hold for this run?", "这次运行在 lo 上抓到了多少个包？").to_string(),
            facts.len(),
            match (facts.is_empty(), en) {
                (true, true) => "The capture is empty: AF_UNIX sockets never enter the IP stack. The kernel copies the bytes from one socket's buffer straight into the other's, so no interface, not even lo, sees a packet.".to_string(),
                (true, false) => "抓包结果为空：AF_UNIX 套接字根本不经过 IP 协议栈。内核把数据从一个套接字的缓冲区直接复制到另一个套接字的缓冲区，所以任何网络接口（包括 lo）都看不到包。".to_string(),
                (false, true) => format!("Counted from the capture: packets #1 to #{}.", facts.len()),
                (false, false) => format!("从抓包中数出：第 #1 到第 #{} 个包。", facts.len()),
            },
        ),
        QuestionKind::IcmpQuotes => {
            let icmp = facts
                .iter()
                .find(|packet| matches!(packet.transport, TransportFacts::Icmp(_)))
                .ok_or("it captured no ICMP error")?;
            let quoted = icmp.related_packet.ok_or("the ICMP error quotes no captured packet")?;
            number_answer(
                tr(lang, "Which packet number does the ICMP error quote?", "这个 ICMP 差错报文引用的是第几个包？").to_string(),
                quoted,
                if en {
                    format!("Packet #{} carries the IP header and the first 8 bytes (the UDP header, with both ports) of packet #{quoted}, so the sender's kernel can tell which socket the error is about.", icmp.number)
                } else {
                    format!("第 #{} 个包里带着第 #{quoted} 个包的 IP 首部和前 8 个字节（即包含双方端口的 UDP 首部），发送方内核据此知道这个差错属于哪个套接字。", icmp.number)
                },
            )
        }
        QuestionKind::TcpVsUdpPackets => {
            let tcp = facts.iter().filter(|packet| packet.is_tcp()).count();
            let udp = facts.iter().filter(|packet| packet.is_udp()).count();
            let tcp_payload: u32 = facts.iter().filter(|packet| packet.is_tcp()).map(PacketFacts::payload_len).sum();
            let udp_payload: u32 = facts.iter().filter(|packet| packet.is_udp()).map(PacketFacts::payload_len).sum();
            let answer = format!("{tcp}, {udp}");
            Built {
                question: tr(lang, "How many packets did TCP need for its exchange, and how many did UDP? (answer as TCP, UDP)", "TCP 的这次交换用了多少个包？UDP 又用了多少个？（按“TCP, UDP”格式回答）").to_string(),
                accepted: vec![normalize(&answer), format!("{tcp}{udp}")],
                answer,
                derivation: if en {
                    format!("Counted from the capture: TCP {tcp} packets for {tcp_payload} bytes of data (handshake, data, acknowledgements, teardown), UDP {udp} packets for {udp_payload} bytes (just the datagrams: no connection, no acknowledgements).")
                } else {
                    format!("从抓包中数出：TCP 用 {tcp} 个包传送 {tcp_payload} 字节数据（握手、数据、确认、关闭），UDP 用 {udp} 个包传送 {udp_payload} 字节（只有数据报本身：没有连接，也没有确认）。")
                },
            }
        }
        QuestionKind::HandshakeBeforeAccept => {
            let mut frames = 0usize;
            let mut found = false;
            for entry in &input.run.run.timeline {
                match entry {
                    TimelineEntry::Frame(_) => frames += 1,
                    TimelineEntry::Call(call) if call.call.starts_with("accept") && matches!(call.outcome, CallOutcome::Returned { .. }) => {
                        found = true;
                        break;
                    }
                    TimelineEntry::Call(_) => {}
                }
            }
            if !found {
                return Err("no accept() returned".into());
            }
            number_answer(
                tr(lang, "How many packets were already on the wire when the server's accept() returned?", "服务器的 accept() 返回时，线路上已经出现了多少个包？").to_string(),
                frames,
                if en {
                    format!("Packets #1 to #{frames} (SYN, SYN-ACK, ACK) came before accept() even ran: the kernel completes the handshake by itself, and accept() only takes a finished connection out of the backlog.")
                } else {
                    format!("第 #1 到第 #{frames} 个包（SYN、SYN-ACK、ACK）在 accept() 运行之前就出现了：握手由内核独自完成，accept() 只是从监听队列里取走一个已完成的连接。")
                },
            )
        }
        QuestionKind::ConnectionCount => {
            let flows: Vec<&crate::analysis::FlowSummary> = input
                .summary
                .flows
                .iter()
                .filter(|flow| flow.info.id.protocol == crate::analysis::FlowProtocol::Tcp)
                .collect();
            let names = flows
                .iter()
                .map(|flow| {
                    let name = |address| input.run.names.name(address).map_or_else(|| "?".to_string(), str::to_string);
                    format!("{} ⇄ {}", name(flow.info.client), name(flow.info.server))
                })
                .collect::<Vec<_>>()
                .join(tr(lang, "; ", "；"));
            number_answer(
                tr(lang, "How many distinct TCP connections (5-tuples) did the capture show?", "抓包中出现了多少个不同的 TCP 连接（五元组）？").to_string(),
                flows.len(),
                if en {
                    format!("{} connections: {names}. Protocol, server address and server port are the same for all; each client socket got its own port, so each 5-tuple is different and the kernel knows which socket every segment belongs to.", flows.len())
                } else {
                    format!("{} 个连接：{names}。协议、服务器地址和端口都相同；每个客户端套接字有自己的端口，所以每个五元组都不同，内核据此知道每个报文段属于哪个套接字。", flows.len())
                },
            )
        }
        QuestionKind::BytesAfterFin => {
            let first_fin = facts
                .iter()
                .find(|packet| packet.tcp_flags().is_some_and(|flags| flags.fin()))
                .ok_or("it captured no FIN")?;
            let after: Vec<&PacketFacts> = facts
                .iter()
                .filter(|packet| packet.number > first_fin.number && packet.from != first_fin.from && packet.payload_len() > 0)
                .collect();
            let total: u32 = after.iter().map(|packet| packet.payload_len()).sum();
            let list = after
                .iter()
                .map(|packet| format!("#{} ({} B)", packet.number, packet.payload_len()))
                .collect::<Vec<_>>()
                .join(tr(lang, ", ", "，"));
            number_answer(
                if en {
                    format!("After the {}'s FIN (packet #{}), how many bytes of data did the other side still send?", side_name(first_fin.from, lang), first_fin.number)
                } else {
                    format!("在{}的 FIN（第 #{} 个包）之后，另一方又发送了多少字节数据？", side_name(first_fin.from, lang), first_fin.number)
                },
                total,
                if en {
                    format!("Packets {list} carry {total} bytes: a FIN closes only its sender's direction, so the other direction keeps working (half-close).")
                } else {
                    format!("第 {list} 个包共携带 {total} 字节：FIN 只关闭发送方那个方向，另一个方向照常工作（半关闭）。")
                },
            )
        }
    };
    Ok(Answer {
        number,
        kind: question.kind,
        question: built.question,
        answer: built.answer,
        accepted: built.accepted,
        derivation: built.derivation,
    })
}

fn client_syn(facts: &[PacketFacts]) -> Option<&PacketFacts> {
    facts.iter().find(|packet| {
        packet
            .tcp_flags()
            .is_some_and(|flags| flags.syn() && !flags.ack())
    })
}

fn other_role(role: Option<Role>) -> Option<Role> {
    match role {
        Some(Role::Client) => Some(Role::Server),
        Some(Role::Server) => Some(Role::Client),
        None => None,
    }
}

fn side_name(role: Option<Role>, lang: Lang) -> &'static str {
    match role {
        Some(Role::Client) => tr(lang, "client", "客户端"),
        Some(Role::Server) => tr(lang, "server", "服务器"),
        None => tr(lang, "sender", "发送方"),
    }
}

/// "client" or "server": the role word of a lesson actor.
fn role_word(input: &QuizInput<'_>, actor: usize) -> &'static str {
    match input.lesson.actor(actor).role {
        super::model::Role::Client => "client",
        super::model::Role::Server => "server",
    }
}

/// "SYN", "FIN,ACK".
fn flag_names(flags: TcpFlags) -> String {
    TcpFlags(flags.0 & super::packet_spec::MEANINGFUL)
        .names()
        .to_string()
}

/// The TCP options of a segment, named: "MSS 65495, SACK permitted, timestamps, window scale 7, 1 NOP".
fn option_list(options: &TcpOptions, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(mss) = options.mss {
        parts.push(format!("MSS {mss} (4 B)"));
    }
    if options.sack_permitted {
        parts.push(tr(lang, "SACK permitted (2 B)", "允许 SACK（2 B）").to_string());
    }
    if options.timestamps.is_some() {
        parts.push(tr(lang, "timestamps (10 B)", "时间戳（10 B）").to_string());
    }
    if let Some(shift) = options.window_scale {
        parts.push(format!(
            "{} {shift} (3 B)",
            tr(lang, "window scale", "窗口扩大因子")
        ));
    }
    if options.nop_count > 0 {
        parts.push(format!(
            "{} NOP ({} B){}",
            options.nop_count,
            options.nop_count,
            tr(lang, " of padding", "填充")
        ));
    }
    if parts.is_empty() {
        tr(lang, "none", "无").to_string()
    } else {
        parts.join(tr(lang, ", ", "，"))
    }
}

/// Why a call failed with `errno`, pointing at the packet that caused it when there is one.
fn errno_cause(errno: &str, facts: &[PacketFacts], step: usize, lang: Lang) -> String {
    let en = lang == Lang::En;
    let until = |packet: &&PacketFacts| packet.step < step;
    let reset = facts
        .iter()
        .filter(until)
        .rfind(|packet| packet.tcp_flags().is_some_and(|flags| flags.rst()));
    let icmp = facts
        .iter()
        .filter(until)
        .rfind(|packet| matches!(packet.transport, TransportFacts::Icmp(_)));
    match (errno, reset, icmp, en) {
        ("ECONNREFUSED", Some(reset), _, true) => format!("The SYN was answered by RST (packet #{}): nothing listens on that port, so the kernel refuses the connection and connect() reports ECONNREFUSED.", reset.number),
        ("ECONNREFUSED", Some(reset), _, false) => format!("SYN 被 RST 回应（第 #{} 个包）：那个端口上没有程序在监听，内核拒绝连接，connect() 报告 ECONNREFUSED。", reset.number),
        ("ECONNREFUSED", None, Some(icmp), true) => format!("The ICMP port unreachable error (packet #{}) was delivered to the connected UDP socket, whose next call reports it as ECONNREFUSED.", icmp.number),
        ("ECONNREFUSED", None, Some(icmp), false) => format!("ICMP 端口不可达差错（第 #{} 个包）被交给了已连接的 UDP 套接字，它的下一次调用把它报告为 ECONNREFUSED。", icmp.number),
        ("ECONNRESET", Some(reset), _, true) => format!("The peer's RST (packet #{}) destroyed the connection, so the next recv() reports ECONNRESET instead of data or end of stream.", reset.number),
        ("ECONNRESET", Some(reset), _, false) => format!("对方的 RST（第 #{} 个包）销毁了连接，所以下一次 recv() 报告 ECONNRESET，而不是数据或流结束。", reset.number),
        ("EAGAIN", _, icmp, true) => format!("MSG_DONTWAIT asks not to wait, and nothing was there to read{}: an unconnected UDP socket is not told about ICMP errors.", icmp.map_or_else(String::new, |icmp| format!(" although the ICMP error (packet #{}) came back", icmp.number))),
        ("EAGAIN", _, icmp, false) => format!("MSG_DONTWAIT 表示不等待，而此时没有可读的数据{}：未连接的 UDP 套接字不会被告知 ICMP 差错。", icmp.map_or_else(String::new, |icmp| format!("（尽管 ICMP 差错，第 #{} 个包，已经返回）", icmp.number))),
        ("EADDRINUSE", _, _, true) => "The port is still held: the old connection's socket is in TIME-WAIT on it, and without SO_REUSEADDR bind() refuses to share the port with it.".to_string(),
        ("EADDRINUSE", _, _, false) => "端口仍被占用：旧连接的套接字正在这个端口上处于 TIME-WAIT 状态，而没有 SO_REUSEADDR 时 bind() 拒绝与它共用端口。".to_string(),
        (_, _, _, true) => format!("The call failed with {errno}."),
        (_, _, _, false) => format!("调用失败，错误码为 {errno}。"),
    }
}

/// How the learner did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    pub right: usize,
    pub asked: usize,
}

/// `--quiz`: asks each question, reads one line per answer, says whether it is right and why, and
/// prints the score. At the end of the input the remaining questions count as unanswered. When the input
/// is not a terminal (`echo`), each reply is written after its prompt.
pub fn ask(
    answers: &[Answer],
    input: &mut dyn std::io::BufRead,
    out: &mut dyn std::io::Write,
    lang: Lang,
    columns: usize,
    echo: bool,
) -> std::io::Result<Score> {
    // Writes `text` wrapped to the columns, after `first` and indented like it.
    let wrapped = |out: &mut dyn std::io::Write, first: &str, text: &str| -> std::io::Result<()> {
        let indent = crate::render::text::width(first);
        let room = columns.saturating_sub(indent).max(20);
        for (index, line) in crate::render::text::wrap(text, room).enumerate() {
            if index == 0 {
                writeln!(out, "{first}{line}")?;
            } else {
                writeln!(out, "{}{line}", " ".repeat(indent))?;
            }
        }
        Ok(())
    };
    let mut score = Score {
        right: 0,
        asked: answers.len(),
    };
    if answers.is_empty() {
        return Ok(score);
    }
    writeln!(
        out,
        "\n{}",
        tr(
            lang,
            "Quiz: answer each question and press Enter (the answers are computed from this run's capture).",
            "测验：回答每个问题后按回车（答案由本次运行的抓包计算得出）。"
        )
    )?;
    let mut line = String::new();
    let mut input_ended = false;
    for answer in answers {
        writeln!(out)?;
        wrapped(out, &format!("{}. ", answer.number), &answer.question)?;
        write!(out, "> ")?;
        out.flush()?;
        line.clear();
        if !input_ended && input.read_line(&mut line)? == 0 {
            input_ended = true;
        }
        if echo {
            writeln!(out, "{}", line.trim_end())?;
        }
        let verdict = if answer.accepts(&line) {
            score.right += 1;
            tr(lang, "✓ Right.", "✓ 正确。").to_string()
        } else if line.trim().is_empty() {
            match lang {
                Lang::En => format!("– No answer. The answer is {}.", answer.answer),
                Lang::ZhCn => format!("– 未作答。答案是 {}。", answer.answer),
            }
        } else {
            match lang {
                Lang::En => format!("✗ Not quite: the answer is {}.", answer.answer),
                Lang::ZhCn => format!("✗ 不对：答案是 {}。", answer.answer),
            }
        };
        wrapped(out, "", &verdict)?;
        wrapped(out, tr(lang, "Why: ", "原因："), &answer.derivation)?;
    }
    match lang {
        Lang::En => writeln!(out, "\nScore: {}/{}", score.right, score.asked)?,
        Lang::ZhCn => writeln!(out, "\n得分：{}/{}", score.right, score.asked)?,
    }
    Ok(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_compared_without_case_spaces_units_or_dash_style() {
        let answer = Answer {
            number: 1,
            kind: QuestionKind::ClientPortRange,
            question: String::new(),
            answer: "32768-60999".into(),
            accepted: vec![normalize("32768-60999")],
            derivation: String::new(),
        };
        for reply in [
            "32768-60999",
            " 32768 – 60999 ",
            "32768 to 60999",
            "32768~60999",
        ] {
            assert!(answer.accepts(reply), "{reply}");
        }
        assert!(!answer.accepts("32768"));
        assert!(!answer.accepts(""));
        assert_eq!(normalize("40 bytes"), "40");
        assert_eq!(normalize("40 字节"), "40");
        assert_eq!(normalize("#3"), "3");
        assert_eq!(normalize("10， 1"), "10,1");
        assert_eq!(normalize("ECONNREFUSED"), "econnrefused");
    }

    #[test]
    fn asking_checks_each_reply_and_counts_the_score() {
        let make = |number, answer: &str| Answer {
            number,
            kind: QuestionKind::SynAckAck,
            question: format!("question {number}?"),
            answer: answer.to_string(),
            accepted: vec![normalize(answer)],
            derivation: "because".to_string(),
        };
        let answers = [make(1, "1"), make(2, "40"), make(3, "server")];
        let mut out = Vec::new();
        let score = ask(
            &answers,
            &mut "1\n41\n".as_bytes(),
            &mut out,
            Lang::En,
            100,
            true,
        )
        .unwrap();
        assert_eq!(score, Score { right: 1, asked: 3 });
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("1. question 1?\n> 1\n✓ Right.\nWhy: because\n"),
            "{text}"
        );
        assert!(
            text.contains("> 41\n✗ Not quite: the answer is 40.\n"),
            "{text}"
        );
        assert!(
            text.contains("> \n– No answer. The answer is server.\n"),
            "{text}"
        );
        assert!(text.ends_with("\nScore: 1/3\n"), "{text}");
    }
}
