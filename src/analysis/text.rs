//! Annotation sentences for learners, in English and Simplified Chinese.
//!
//! Everything is written through `Display` straight into the caller's formatter: no `String`
//! is built, so rendering a million-packet ladder allocates nothing per note.

use super::annotation::{Annotation, Role, Unexpected};
use crate::lang::Lang;
use std::fmt::{self, Display, Formatter};

/// Display adapter: `write!(out, "{}", note.text(lang))` writes the sentence without allocating.
pub struct AnnotationText<'a> {
    pub note: &'a Annotation,
    pub lang: Lang,
}

/// Display adapter for [`Annotation::step_label`]: "handshake 1/3", "握手 1/3".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepLabel {
    kind: StepKind,
    lang: Lang,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StepKind {
    Handshake(u8),
    Teardown(u8),
    /// Teardown steps 2 and 3 in one segment.
    TeardownPiggybacked,
    SimultaneousClose,
}

impl Annotation {
    pub fn text(&self, lang: Lang) -> AnnotationText<'_> {
        AnnotationText { note: self, lang }
    }

    /// A short label for the handshake or teardown step this note is, if it is one.
    pub fn step_label(&self, lang: Lang) -> Option<StepLabel> {
        let kind = match *self {
            Annotation::HandshakeSyn => StepKind::Handshake(1),
            Annotation::HandshakeSynAck => StepKind::Handshake(2),
            Annotation::HandshakeAck => StepKind::Handshake(3),
            Annotation::TeardownFin { step, .. } | Annotation::TeardownAck { step, .. } => {
                StepKind::Teardown(step)
            }
            Annotation::TeardownFinAckPiggybacked { .. } => StepKind::TeardownPiggybacked,
            Annotation::SimultaneousFin { .. } => StepKind::SimultaneousClose,
            _ => return None,
        };
        Some(StepLabel { kind, lang })
    }
}

impl Display for StepLabel {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (self.kind, self.lang) {
            (StepKind::Handshake(step), Lang::En) => write!(f, "handshake {step}/3"),
            (StepKind::Handshake(step), Lang::ZhCn) => write!(f, "握手 {step}/3"),
            (StepKind::Teardown(step), Lang::En) => write!(f, "teardown {step}/4"),
            (StepKind::Teardown(step), Lang::ZhCn) => write!(f, "挥手 {step}/4"),
            (StepKind::TeardownPiggybacked, Lang::En) => f.write_str("teardown 2+3/4"),
            (StepKind::TeardownPiggybacked, Lang::ZhCn) => f.write_str("挥手 2+3/4"),
            (StepKind::SimultaneousClose, Lang::En) => f.write_str("simultaneous close"),
            (StepKind::SimultaneousClose, Lang::ZhCn) => f.write_str("同时关闭"),
        }
    }
}

impl Display for AnnotationText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.lang {
            Lang::En => english(self.note, f),
            Lang::ZhCn => chinese(self.note, f),
        }
    }
}

/// "client" / "server".
struct Who(Role, Lang);

impl Display for Who {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.0, self.1) {
            (Role::Client, Lang::En) => "client",
            (Role::Server, Lang::En) => "server",
            (Role::Client, Lang::ZhCn) => "客户端",
            (Role::Server, Lang::ZhCn) => "服务器",
        })
    }
}

/// "1 byte" / "5 bytes".
struct Bytes(u32);

impl Display for Bytes {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0 == 1 {
            f.write_str("1 byte")
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

fn english(note: &Annotation, f: &mut Formatter<'_>) -> fmt::Result {
    let who = |role: Role| Who(role, Lang::En);
    match *note {
        Annotation::HandshakeSyn => f.write_str(
            "handshake 1/3: SYN — the client asks to connect and picks its initial sequence number (ISN)",
        ),
        Annotation::HandshakeSynAck => f.write_str(
            "handshake 2/3: SYN-ACK — the server accepts, picks its own ISN and acknowledges the client's SYN (ack = client ISN + 1); connect() returns when this arrives",
        ),
        Annotation::HandshakeAck => f.write_str(
            "handshake 3/3: ACK — the client acknowledges the server's SYN; both sides are ESTABLISHED and accept() can hand over the connection",
        ),
        Annotation::SynRetransmission => f.write_str(
            "SYN retransmission: no SYN-ACK came back in time, so the client sends the same SYN again (same ISN)",
        ),
        Annotation::SynAckRetransmission => f.write_str(
            "SYN-ACK retransmission: the client's ACK did not arrive in time, so the server sends its SYN-ACK again (same ISN)",
        ),
        Annotation::Data { from, bytes } => {
            write!(f, "data: {} {} → {}", Bytes(bytes), who(from), who(from.peer()))
        }
        Annotation::PureAck { from, acked } => write!(
            f,
            "ACK: the {} confirms it received every byte before relative sequence number {acked} (no data of its own)",
            who(from)
        ),
        Annotation::WindowUpdate { from, window } => write!(
            f,
            "window update: the {} now has room for {window} bytes (same ack, only the window changed)",
            who(from)
        ),
        Annotation::ZeroWindow { from } => write!(
            f,
            "zero window: the {}'s receive buffer is full — the {} must stop sending until the window opens again",
            who(from),
            who(from.peer())
        ),
        Annotation::Retransmission { from, bytes } => write!(
            f,
            "retransmission: the {} sends {} again that it had already sent (they were not acknowledged in time)",
            who(from),
            Bytes(bytes)
        ),
        Annotation::OutOfOrder { from } => write!(
            f,
            "out of order: this {} segment starts beyond the next expected byte — an earlier segment is missing (lost, or not captured)",
            who(from)
        ),
        Annotation::FillsGap { from, bytes } => write!(
            f,
            "late segment: {} {} → {} that fill the gap before an earlier out-of-order segment",
            Bytes(bytes),
            who(from),
            who(from.peer())
        ),
        Annotation::KeepAlive { from } => write!(
            f,
            "keep-alive: the {} checks that the idle connection is still there (sequence number one below the next byte, no new data)",
            who(from)
        ),
        Annotation::FinRetransmission { from } => write!(
            f,
            "FIN retransmission: the {} sends its FIN again because no ACK of it arrived in time",
            who(from)
        ),
        Annotation::TeardownFin { from, step: 1 } => write!(
            f,
            "teardown 1/4: FIN — the {} has nothing more to send (close() or shutdown(SHUT_WR)); it can still receive",
            who(from)
        ),
        Annotation::TeardownFin { from, step: 3 } => write!(
            f,
            "teardown 3/4: FIN — the {} has finished sending too (its application called close())",
            who(from)
        ),
        Annotation::TeardownFin { from, step } => write!(
            f,
            "teardown {step}/4: FIN — the {} has nothing more to send",
            who(from)
        ),
        Annotation::TeardownAck { from, step: 2 } => write!(
            f,
            "teardown 2/4: ACK — the {} acknowledges the {}'s FIN; that direction is closed, the other can still carry data",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownAck { from, step: 4 } => write!(
            f,
            "teardown 4/4: ACK — the {} acknowledges the {}'s FIN; the connection is closed in both directions",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownAck { from, step } => write!(
            f,
            "teardown {step}/4: ACK — the {} acknowledges the {}'s FIN",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownFinAckPiggybacked { from } => write!(
            f,
            "teardown steps 2 and 3 in one segment: FIN-ACK — the {0} acknowledges the {1}'s FIN and sends its own FIN together. \
             The {0}'s application called close() before the kernel's delayed ACK went out, so the ACK rode on the FIN (a 3-segment teardown)",
            who(from),
            who(from.peer())
        ),
        Annotation::SimultaneousFin { from } => write!(
            f,
            "simultaneous close: the {} sent its FIN before the {}'s FIN reached it; both are active closers and go through CLOSING to TIME-WAIT",
            who(from),
            who(from.peer())
        ),
        Annotation::RstRefused { port } => write!(
            f,
            "RST: connection refused — nothing listens on port {port}, so the kernel answers the SYN with RST and connect() fails with ECONNREFUSED"
        ),
        Annotation::RstAbort { from } => write!(
            f,
            "RST: the {} aborts the connection (abortive close: SO_LINGER with timeout 0, or close() with unread data); the {}'s next call fails with ECONNRESET",
            who(from),
            who(from.peer())
        ),
        Annotation::RstAfterClose { from } => write!(
            f,
            "RST after close: the {} resets a connection that was already closing or closed (for example, data arrived after its close())",
            who(from)
        ),
        Annotation::UdpDatagram { payload, .. } => write!(
            f,
            "UDP datagram: 8-byte header + {} payload (no handshake, no ACK; TCP would add at least 20 bytes of header)",
            Bytes(payload)
        ),
        Annotation::IcmpPortUnreachable { datagram, port } => {
            f.write_str("ICMP port unreachable: nothing listens on ")?;
            match port {
                Some(port) => write!(f, "port {port}")?,
                None => f.write_str("that port")?,
            }
            f.write_str(", so the kernel dropped ")?;
            match datagram {
                Some(number) => write!(f, "packet #{number}")?,
                None => f.write_str("the datagram (it is not in the capture)")?,
            }
            f.write_str(
                " and sent back this error (a connected UDP socket's next call fails with ECONNREFUSED)",
            )
        }
        Annotation::Icmp { icmp_type, code } => {
            write!(f, "ICMP {} (type {icmp_type}, code {code})", icmp_name(icmp_type, code, Lang::En))
        }
        Annotation::Icmpv6 { icmp_type, code } => write!(
            f,
            "ICMPv6 {} (type {icmp_type}, code {code})",
            icmpv6_name(icmp_type, Lang::En)
        ),
        Annotation::MidStream => f.write_str(
            "mid-stream: the capture started after this connection was opened, so its handshake was not seen; relative numbers start from the first segment seen",
        ),
        Annotation::Unexpected { reason } => {
            f.write_str("unexpected: ")?;
            f.write_str(match reason {
                Unexpected::AfterFin => "new data after this side already sent its FIN",
                Unexpected::AckOfUnsentData => {
                    "it acknowledges bytes the peer never sent (or that the capture missed)"
                }
                Unexpected::SynOnEstablished => "a SYN on a connection that is already established",
                Unexpected::AfterClosed => "a segment on a connection that was already reset",
                Unexpected::InvalidFlags => {
                    "a flag combination no real stack sends (SYN with FIN or RST, FIN with RST, or no ACK after the handshake)"
                }
            })
        }
    }
}

fn chinese(note: &Annotation, f: &mut Formatter<'_>) -> fmt::Result {
    let who = |role: Role| Who(role, Lang::ZhCn);
    match *note {
        Annotation::HandshakeSyn => {
            f.write_str("三次握手 1/3：SYN——客户端请求连接，并选定初始序列号（ISN）")
        }
        Annotation::HandshakeSynAck => f.write_str(
            "三次握手 2/3：SYN-ACK——服务器接受连接，选定自己的 ISN，并确认客户端的 SYN（ack = 客户端 ISN + 1）；客户端收到它时 connect() 返回",
        ),
        Annotation::HandshakeAck => f.write_str(
            "三次握手 3/3：ACK——客户端确认服务器的 SYN；双方都进入 ESTABLISHED，accept() 可以交出这个连接",
        ),
        Annotation::SynRetransmission => {
            f.write_str("SYN 重传：没有及时收到 SYN-ACK，客户端再次发送同一个 SYN（ISN 不变）")
        }
        Annotation::SynAckRetransmission => f.write_str(
            "SYN-ACK 重传：没有及时收到客户端的 ACK，服务器再次发送 SYN-ACK（ISN 不变）",
        ),
        Annotation::Data { from, bytes } => {
            write!(f, "数据：{bytes} 字节，{} → {}", who(from), who(from.peer()))
        }
        Annotation::PureAck { from, acked } => write!(
            f,
            "ACK：{}确认已收到相对序列号 {acked} 之前的全部字节（本段不带数据）",
            who(from)
        ),
        Annotation::WindowUpdate { from, window } => write!(
            f,
            "窗口更新：{}现在可以接收 {window} 字节（ack 不变，只有窗口变了）",
            who(from)
        ),
        Annotation::ZeroWindow { from } => write!(
            f,
            "零窗口：{}的接收缓冲区已满——{}必须暂停发送，直到窗口重新打开",
            who(from),
            who(from.peer())
        ),
        Annotation::Retransmission { from, bytes } => write!(
            f,
            "重传：{}再次发送已经发过的 {bytes} 字节（没有及时得到确认）",
            who(from)
        ),
        Annotation::OutOfOrder { from } => write!(
            f,
            "乱序：{}的这个报文段从下一个期望字节之后开始——前面有报文段缺失（丢失或没有被抓到）",
            who(from)
        ),
        Annotation::FillsGap { from, bytes } => write!(
            f,
            "迟到的报文段：{} → {}的 {bytes} 字节，填补了之前乱序报文段前面的空缺",
            who(from),
            who(from.peer())
        ),
        Annotation::KeepAlive { from } => write!(
            f,
            "保活探测：{}检查空闲的连接是否还在（序列号比下一个字节小 1，不带新数据）",
            who(from)
        ),
        Annotation::FinRetransmission { from } => write!(
            f,
            "FIN 重传：{}没有及时收到对 FIN 的确认，于是再次发送 FIN",
            who(from)
        ),
        Annotation::TeardownFin { from, step: 1 } => write!(
            f,
            "四次挥手 1/4：FIN——{}没有更多数据要发送（close() 或 shutdown(SHUT_WR)），但仍可接收",
            who(from)
        ),
        Annotation::TeardownFin { from, step: 3 } => write!(
            f,
            "四次挥手 3/4：FIN——{}也发送完毕（它的应用调用了 close()）",
            who(from)
        ),
        Annotation::TeardownFin { from, step } => write!(
            f,
            "四次挥手 {step}/4：FIN——{}没有更多数据要发送",
            who(from)
        ),
        Annotation::TeardownAck { from, step: 2 } => write!(
            f,
            "四次挥手 2/4：ACK——{}确认{}的 FIN；这个方向已关闭，另一个方向仍可传数据",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownAck { from, step: 4 } => write!(
            f,
            "四次挥手 4/4：ACK——{}确认{}的 FIN；连接的两个方向都已关闭",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownAck { from, step } => write!(
            f,
            "四次挥手 {step}/4：ACK——{}确认{}的 FIN",
            who(from),
            who(from.peer())
        ),
        Annotation::TeardownFinAckPiggybacked { from } => write!(
            f,
            "四次挥手的第 2 步和第 3 步合在一个报文段里：FIN-ACK——{0}确认{1}的 FIN，同时发出自己的 FIN。\
             {0}的应用在内核的延迟 ACK 发出之前就调用了 close()，于是 ACK 搭上了 FIN 的便车（三段式挥手）",
            who(from),
            who(from.peer())
        ),
        Annotation::SimultaneousFin { from } => write!(
            f,
            "同时关闭：{}在{}的 FIN 到达之前就发出了自己的 FIN；双方都是主动关闭方，都经过 CLOSING 再进入 TIME-WAIT",
            who(from),
            who(from.peer())
        ),
        Annotation::RstRefused { port } => write!(
            f,
            "RST：连接被拒绝——端口 {port} 上没有程序在监听，内核用 RST 回应 SYN，connect() 失败并返回 ECONNREFUSED"
        ),
        Annotation::RstAbort { from } => write!(
            f,
            "RST：{}中止了连接（异常关闭：SO_LINGER 超时为 0，或在还有未读数据时调用 close()）；{}的下一次调用会失败并返回 ECONNRESET",
            who(from),
            who(from.peer())
        ),
        Annotation::RstAfterClose { from } => write!(
            f,
            "关闭后的 RST：{}重置了一个已在关闭或已关闭的连接（例如它 close() 之后又收到了数据）",
            who(from)
        ),
        Annotation::UdpDatagram { payload, .. } => write!(
            f,
            "UDP 数据报：8 字节首部 + {payload} 字节载荷（没有握手，没有 ACK；TCP 的首部至少要 20 字节）"
        ),
        Annotation::IcmpPortUnreachable { datagram, port } => {
            f.write_str("ICMP 端口不可达：")?;
            match port {
                Some(port) => write!(f, "端口 {port} 上")?,
                None => f.write_str("那个端口上")?,
            }
            f.write_str("没有程序在监听，内核丢弃了")?;
            match datagram {
                Some(number) => write!(f, "第 {number} 号包")?,
                None => f.write_str("那个数据报（它不在抓包里）")?,
            }
            f.write_str("并回送这个错误（已 connect() 的 UDP 套接字的下一次调用会失败并返回 ECONNREFUSED）")
        }
        Annotation::Icmp { icmp_type, code } => write!(
            f,
            "ICMP {}（类型 {icmp_type}，代码 {code}）",
            icmp_name(icmp_type, code, Lang::ZhCn)
        ),
        Annotation::Icmpv6 { icmp_type, code } => write!(
            f,
            "ICMPv6 {}（类型 {icmp_type}，代码 {code}）",
            icmpv6_name(icmp_type, Lang::ZhCn)
        ),
        Annotation::MidStream => f.write_str(
            "中途开始：抓包开始时这个连接已经建立，没有看到握手；相对序列号从看到的第一个报文段算起",
        ),
        Annotation::Unexpected { reason } => {
            f.write_str("异常：")?;
            f.write_str(match reason {
                Unexpected::AfterFin => "这一方已经发出 FIN 之后又发送了新数据",
                Unexpected::AckOfUnsentData => "确认了对方从未发送过（或没有被抓到）的字节",
                Unexpected::SynOnEstablished => "在已经建立的连接上出现了 SYN",
                Unexpected::AfterClosed => "连接已被重置之后仍出现报文段",
                Unexpected::InvalidFlags => {
                    "真实的协议栈不会发送这种标志组合（SYN 带 FIN 或 RST、FIN 带 RST，或握手之后没有 ACK）"
                }
            })
        }
    }
}

/// ICMPv4 message names (RFC 792).
fn icmp_name(icmp_type: u8, code: u8, lang: Lang) -> &'static str {
    let (en, zh) = match (icmp_type, code) {
        (0, _) => ("echo reply", "回显应答"),
        (3, 0) => ("destination unreachable: network", "目的不可达：网络"),
        (3, 1) => ("destination unreachable: host", "目的不可达：主机"),
        (3, 2) => ("destination unreachable: protocol", "目的不可达：协议"),
        (3, 3) => ("destination unreachable: port", "目的不可达：端口"),
        (3, 4) => (
            "destination unreachable: fragmentation needed",
            "目的不可达：需要分片",
        ),
        (3, _) => ("destination unreachable", "目的不可达"),
        (5, _) => ("redirect", "重定向"),
        (8, _) => ("echo request", "回显请求"),
        (11, _) => ("time exceeded", "超时"),
        (12, _) => ("parameter problem", "参数问题"),
        _ => ("message", "消息"),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

/// ICMPv6 message names (RFC 4443, RFC 4861).
fn icmpv6_name(icmp_type: u8, lang: Lang) -> &'static str {
    let (en, zh) = match icmp_type {
        1 => ("destination unreachable", "目的不可达"),
        2 => ("packet too big", "包过大"),
        3 => ("time exceeded", "超时"),
        4 => ("parameter problem", "参数问题"),
        128 => ("echo request", "回显请求"),
        129 => ("echo reply", "回显应答"),
        133 => ("router solicitation", "路由器请求"),
        134 => ("router advertisement", "路由器通告"),
        135 => ("neighbor solicitation", "邻居请求"),
        136 => ("neighbor advertisement", "邻居通告"),
        _ => ("message", "消息"),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en(note: Annotation) -> String {
        note.text(Lang::En).to_string()
    }

    fn zh(note: Annotation) -> String {
        note.text(Lang::ZhCn).to_string()
    }

    /// One of every variant (and every teardown step), for the "every note has text" checks.
    fn every_note() -> Vec<Annotation> {
        let from = Role::Client;
        let mut notes = vec![
            Annotation::HandshakeSyn,
            Annotation::HandshakeSynAck,
            Annotation::HandshakeAck,
            Annotation::SynRetransmission,
            Annotation::SynAckRetransmission,
            Annotation::Data { from, bytes: 5 },
            Annotation::PureAck { from, acked: 6 },
            Annotation::WindowUpdate { from, window: 4096 },
            Annotation::ZeroWindow { from },
            Annotation::Retransmission { from, bytes: 10 },
            Annotation::OutOfOrder { from },
            Annotation::FillsGap { from, bytes: 3 },
            Annotation::KeepAlive { from },
            Annotation::FinRetransmission { from },
            Annotation::TeardownFinAckPiggybacked { from },
            Annotation::SimultaneousFin { from },
            Annotation::RstRefused { port: 9 },
            Annotation::RstAbort { from },
            Annotation::RstAfterClose { from },
            Annotation::UdpDatagram { from, payload: 5 },
            Annotation::IcmpPortUnreachable {
                datagram: Some(3),
                port: Some(9999),
            },
            Annotation::IcmpPortUnreachable {
                datagram: None,
                port: None,
            },
            Annotation::Icmp {
                icmp_type: 8,
                code: 0,
            },
            Annotation::Icmpv6 {
                icmp_type: 128,
                code: 0,
            },
            Annotation::MidStream,
        ];
        for step in 1..=4 {
            notes.push(Annotation::TeardownFin { from, step });
            notes.push(Annotation::TeardownAck { from, step });
        }
        for reason in [
            Unexpected::AfterFin,
            Unexpected::AckOfUnsentData,
            Unexpected::SynOnEstablished,
            Unexpected::AfterClosed,
            Unexpected::InvalidFlags,
        ] {
            notes.push(Annotation::Unexpected { reason });
        }
        notes
    }

    #[test]
    fn handshake_sentences() {
        assert_eq!(
            en(Annotation::HandshakeSyn),
            "handshake 1/3: SYN — the client asks to connect and picks its initial sequence number (ISN)"
        );
        assert_eq!(
            zh(Annotation::HandshakeSyn),
            "三次握手 1/3：SYN——客户端请求连接，并选定初始序列号（ISN）"
        );
        assert!(en(Annotation::HandshakeAck).starts_with("handshake 3/3: ACK"));
        assert!(zh(Annotation::HandshakeSynAck).starts_with("三次握手 2/3：SYN-ACK"));
    }

    #[test]
    fn sentences_carry_the_numbers() {
        let data = Annotation::Data {
            from: Role::Client,
            bytes: 5,
        };
        assert_eq!(en(data), "data: 5 bytes client → server");
        assert_eq!(zh(data), "数据：5 字节，客户端 → 服务器");
        let one = Annotation::Data {
            from: Role::Server,
            bytes: 1,
        };
        assert_eq!(en(one), "data: 1 byte server → client");
        assert_eq!(
            en(Annotation::UdpDatagram {
                from: Role::Client,
                payload: 5
            }),
            "UDP datagram: 8-byte header + 5 bytes payload (no handshake, no ACK; TCP would add at least 20 bytes of header)"
        );
        assert!(en(Annotation::RstRefused { port: 9 }).contains("port 9,"));
        assert!(zh(Annotation::RstRefused { port: 9 }).contains("端口 9 "));
        let icmp = Annotation::IcmpPortUnreachable {
            datagram: Some(3),
            port: Some(9999),
        };
        assert!(en(icmp).contains("port 9999") && en(icmp).contains("packet #3"));
        assert!(zh(icmp).contains("端口 9999") && zh(icmp).contains("第 3 号包"));
        let ack = Annotation::PureAck {
            from: Role::Server,
            acked: 6,
        };
        assert!(en(ack).contains("server confirms") && en(ack).contains(" 6 "));
        assert!(en(Annotation::TeardownFin {
            from: Role::Server,
            step: 3
        })
        .starts_with("teardown 3/4: FIN — the server"));
        assert!(zh(Annotation::TeardownAck {
            from: Role::Client,
            step: 4
        })
        .starts_with("四次挥手 4/4：ACK——客户端确认服务器的 FIN"));
        assert_eq!(
            en(Annotation::Icmp {
                icmp_type: 3,
                code: 1
            }),
            "ICMP destination unreachable: host (type 3, code 1)"
        );
        assert_eq!(
            zh(Annotation::Icmpv6 {
                icmp_type: 135,
                code: 0
            }),
            "ICMPv6 邻居请求（类型 135，代码 0）"
        );
    }

    #[test]
    fn piggybacked_teardown_says_why_the_ack_rode_on_the_fin() {
        let note = Annotation::TeardownFinAckPiggybacked { from: Role::Server };
        let english = en(note);
        assert!(english.contains("steps 2 and 3 in one segment"));
        assert!(english.contains(
            "server's application called close() before the kernel's delayed ACK went out"
        ));
        let chinese = zh(note);
        assert!(chinese.contains("第 2 步和第 3 步合在一个报文段里"));
        assert!(chinese.contains("延迟 ACK"));
    }

    #[test]
    fn every_note_has_a_sentence_in_both_languages() {
        for note in every_note() {
            let english = en(note);
            let chinese = zh(note);
            assert!(!english.is_empty() && !chinese.is_empty(), "{note:?}");
            assert!(
                !english.contains("{") && !chinese.contains("{"),
                "{note:?}: {english}"
            );
            let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
            assert!(!english.chars().any(is_han), "{note:?}: {english}");
            assert!(
                chinese.chars().any(is_han),
                "{note:?} has no Chinese: {chinese}"
            );
            assert_ne!(english, format!("{note:?}"));
        }
    }

    #[test]
    fn step_labels() {
        let label = |note: Annotation, lang| note.step_label(lang).map(|l| l.to_string());
        assert_eq!(
            label(Annotation::HandshakeSyn, Lang::En).as_deref(),
            Some("handshake 1/3")
        );
        assert_eq!(
            label(Annotation::HandshakeAck, Lang::ZhCn).as_deref(),
            Some("握手 3/3")
        );
        let fin = Annotation::TeardownFin {
            from: Role::Client,
            step: 1,
        };
        assert_eq!(label(fin, Lang::En).as_deref(), Some("teardown 1/4"));
        assert_eq!(label(fin, Lang::ZhCn).as_deref(), Some("挥手 1/4"));
        let piggy = Annotation::TeardownFinAckPiggybacked { from: Role::Server };
        assert_eq!(label(piggy, Lang::En).as_deref(), Some("teardown 2+3/4"));
        assert_eq!(label(Annotation::MidStream, Lang::En), None);
        // Labels agree with the step numbers `Annotation::step` reports.
        for note in every_note() {
            if let Some((kind, step, of)) = note.step() {
                let text = label(note, Lang::En).unwrap_or_default();
                assert_eq!(text, format!("{kind} {step}/{of}"));
            }
        }
    }
}
