//! Annotation sentences for learners, in English and Simplified Chinese.
//!
//! A sentence is a sequence of pieces (constant text, names, numbers) handed to the caller one by one
//! ([`AnnotationText::write_pieces`]), or written through `Display`: no `String` is built, so rendering
//! a million-packet ladder allocates nothing per note, and renderers need no `core::fmt` for it.

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
        let mut result = Ok(());
        self.write_pieces(|piece| {
            if result.is_ok() {
                result = f.write_str(piece);
            }
        });
        result
    }
}

impl AnnotationText<'_> {
    /// Hands the sentence to `each`, piece by piece (constant text, names, numbers in decimal), in
    /// order: the same text `Display` writes, without `core::fmt`. Renderers append the pieces to their
    /// own buffer (a ladder's scratch line, a JSON string with escapes): a sentence is written for
    /// nearly every packet, and formatting machinery cost more than the copying.
    pub fn write_pieces(&self, mut each: impl FnMut(&str)) {
        match self.lang {
            Lang::En => english(self.note, &mut each),
            Lang::ZhCn => chinese(self.note, &mut each),
        }
    }
}

/// One piece of a sentence.
trait Piece {
    fn put<F: FnMut(&str)>(self, each: &mut F);
}

impl Piece for &str {
    #[inline]
    fn put<F: FnMut(&str)>(self, each: &mut F) {
        each(self);
    }
}

/// Numbers, in decimal.
macro_rules! number_piece {
    ($($number:ty),*) => {$(
        impl Piece for $number {
            #[inline]
            fn put<F: FnMut(&str)>(self, each: &mut F) {
                let mut digits = [0u8; 20];
                each(decimal(u64::from(self), &mut digits));
            }
        }
    )*};
}

number_piece!(u8, u16, u32, u64);

/// `value` in decimal: below 100 from a table; below 100,000,000 gathered in one integer and stored
/// whole (a renderer copies the digits right after, and a copy from many small stores stalls);
/// otherwise written at the end of `digits`, two at a time.
fn decimal(value: u64, digits: &mut [u8; 20]) -> &str {
    if value < 100 {
        let at = value as usize * 2;
        let pair = PAIRS.get(at..at + 2).unwrap_or_default();
        return if value < 10 {
            pair.get(1..).unwrap_or_default()
        } else {
            pair
        };
    }
    let mut value = value;
    let mut at = digits.len();
    if value < 100_000_000 {
        // The last digit in the lowest byte, so the big-endian bytes read first digit first.
        let mut gathered = 0u64;
        let mut shift = 0;
        while value > 0 {
            gathered |= (u64::from(b'0') + value % 10) << shift;
            value /= 10;
            shift += 8;
        }
        digits[12..].copy_from_slice(&gathered.to_be_bytes());
        at -= shift / 8;
    } else {
        while value > 0 {
            let pair = (value % 100) as usize * 2;
            value /= 100;
            at -= 2;
            digits[at..at + 2]
                .copy_from_slice(PAIRS.as_bytes().get(pair..pair + 2).unwrap_or(b"00"));
        }
        // The last pair may have brought a leading zero.
        if digits[at] == b'0' {
            at += 1;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&digits[at..]).unwrap_or_default()
}

/// "00" "01" ... "99", back to back.
const PAIRS: &str = "\
    00010203040506070809101112131415161718192021222324252627282930313233343536373839\
    40414243444546474849505152535455565758596061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes each piece in order: `say!(each; "data: ", Bytes(bytes), " ", who(from))`.
macro_rules! say {
    ($each:expr; $($piece:expr),+ $(,)?) => {{
        $( Piece::put($piece, $each); )+
    }};
}

/// "client" / "server".
struct Who(Role, Lang);

impl Piece for Who {
    #[inline]
    fn put<F: FnMut(&str)>(self, each: &mut F) {
        each(match (self.0, self.1) {
            (Role::Client, Lang::En) => "client",
            (Role::Server, Lang::En) => "server",
            (Role::Client, Lang::ZhCn) => "客户端",
            (Role::Server, Lang::ZhCn) => "服务器",
        });
    }
}

/// "1 byte" / "5 bytes".
struct Bytes(u32);

impl Piece for Bytes {
    #[inline]
    fn put<F: FnMut(&str)>(self, each: &mut F) {
        if self.0 == 1 {
            each("1 byte");
        } else {
            say!(each; self.0, " bytes");
        }
    }
}

fn english<F: FnMut(&str)>(note: &Annotation, each: &mut F) {
    let who = |role: Role| Who(role, Lang::En);
    match *note {
        Annotation::HandshakeSyn => each(
            "handshake 1/3: SYN — the client asks to connect and picks its initial sequence number (ISN)",
        ),
        Annotation::HandshakeSynAck => each(
            "handshake 2/3: SYN-ACK — the server accepts, picks its own ISN and acknowledges the client's SYN (ack = client ISN + 1); connect() returns when this arrives",
        ),
        Annotation::HandshakeAck => each(
            "handshake 3/3: ACK — the client acknowledges the server's SYN; both sides are ESTABLISHED and accept() can hand over the connection",
        ),
        Annotation::SynRetransmission => each(
            "SYN retransmission: no SYN-ACK came back in time, so the client sends the same SYN again (same ISN)",
        ),
        Annotation::SynAckRetransmission => each(
            "SYN-ACK retransmission: the client's ACK did not arrive in time, so the server sends its SYN-ACK again (same ISN)",
        ),
        Annotation::Data { from, bytes } => {
            say!(each; "data: ", Bytes(bytes), " ", who(from), " → ", who(from.peer()))
        }
        Annotation::PureAck { from, acked } => say!(each;
            "ACK: the ",
            who(from),
            " confirms it received every byte before relative sequence number ",
            acked,
            " (no data of its own)",
        ),
        Annotation::WindowUpdate { from, window } => say!(each;
            "window update: the ",
            who(from),
            " now has room for ",
            window,
            " bytes (same ack, only the window changed)",
        ),
        Annotation::ZeroWindow { from } => say!(each;
            "zero window: the ",
            who(from),
            "'s receive buffer is full — the ",
            who(from.peer()),
            " must stop sending until the window opens again",
        ),
        Annotation::Retransmission { from, bytes } => say!(each;
            "retransmission: the ",
            who(from),
            " sends ",
            Bytes(bytes),
            " again that it had already sent (they were not acknowledged in time)",
        ),
        Annotation::OutOfOrder { from } => say!(each;
            "out of order: this ",
            who(from),
            " segment starts beyond the next expected byte — an earlier segment is missing (lost, or not captured)",
        ),
        Annotation::FillsGap { from, bytes } => say!(each;
            "late segment: ",
            Bytes(bytes),
            " ",
            who(from),
            " → ",
            who(from.peer()),
            " that fill the gap before an earlier out-of-order segment",
        ),
        Annotation::KeepAlive { from } => say!(each;
            "keep-alive: the ",
            who(from),
            " checks that the idle connection is still there (sequence number one below the next byte, no new data)",
        ),
        Annotation::FinRetransmission { from } => say!(each;
            "FIN retransmission: the ",
            who(from),
            " sends its FIN again because no ACK of it arrived in time",
        ),
        Annotation::TeardownFin { from, step: 1 } => say!(each;
            "teardown 1/4: FIN — the ",
            who(from),
            " has nothing more to send (close() or shutdown(SHUT_WR)); it can still receive",
        ),
        Annotation::TeardownFin { from, step: 3 } => say!(each;
            "teardown 3/4: FIN — the ",
            who(from),
            " has finished sending too (its application called close())",
        ),
        Annotation::TeardownFin { from, step } => say!(each;
            "teardown ",
            step,
            "/4: FIN — the ",
            who(from),
            " has nothing more to send",
        ),
        Annotation::TeardownAck { from, step: 2 } => say!(each;
            "teardown 2/4: ACK — the ",
            who(from),
            " acknowledges the ",
            who(from.peer()),
            "'s FIN; that direction is closed, the other can still carry data",
        ),
        Annotation::TeardownAck { from, step: 4 } => say!(each;
            "teardown 4/4: ACK — the ",
            who(from),
            " acknowledges the ",
            who(from.peer()),
            "'s FIN; the connection is closed in both directions",
        ),
        Annotation::TeardownAck { from, step } => say!(each;
            "teardown ",
            step,
            "/4: ACK — the ",
            who(from),
            " acknowledges the ",
            who(from.peer()),
            "'s FIN",
        ),
        Annotation::TeardownFinAckPiggybacked { from } => say!(each;
            "teardown steps 2 and 3 in one segment: FIN-ACK — the ",
            who(from),
            " acknowledges the ",
            who(from.peer()),
            "'s FIN and sends its own FIN together. The ",
            who(from),
            "'s application called close() before the kernel's delayed ACK went out, so the ACK rode on the FIN (a 3-segment teardown)",
        ),
        Annotation::SimultaneousFin { from } => say!(each;
            "simultaneous close: the ",
            who(from),
            " sent its FIN before the ",
            who(from.peer()),
            "'s FIN reached it; both are active closers and go through CLOSING to TIME-WAIT",
        ),
        Annotation::RstRefused { port } => say!(each;
            "RST: connection refused — nothing listens on port ",
            port,
            ", so the kernel answers the SYN with RST and connect() fails with ECONNREFUSED",
        ),
        Annotation::RstAbort { from } => say!(each;
            "RST: the ",
            who(from),
            " aborts the connection (abortive close: SO_LINGER with timeout 0, or close() with unread data); the ",
            who(from.peer()),
            "'s next call fails with ECONNRESET",
        ),
        Annotation::RstAfterClose { from } => say!(each;
            "RST after close: the ",
            who(from),
            " resets a connection that was already closing or closed (for example, data arrived after its close())",
        ),
        Annotation::UdpDatagram { payload, .. } => say!(each;
            "UDP datagram: 8-byte header + ",
            Bytes(payload),
            " payload (no handshake, no ACK; TCP would add at least 20 bytes of header)",
        ),
        Annotation::IcmpPortUnreachable { datagram, port } => {
            each("ICMP port unreachable: nothing listens on ");
            match port {
                Some(port) => say!(each; "port ", port),
                None => each("that port"),
            }
            each(", so the kernel dropped ");
            match datagram {
                Some(number) => say!(each; "packet #", number),
                None => each("the datagram (it is not in the capture)"),
            }
            each(
                " and sent back this error (a connected UDP socket's next call fails with ECONNREFUSED)",
            );
        }
        Annotation::Icmp { icmp_type, code } => say!(each;
            "ICMP ",
            icmp_name(icmp_type, code, Lang::En),
            " (type ",
            icmp_type,
            ", code ",
            code,
            ")",
        ),
        Annotation::Icmpv6 { icmp_type, code } => say!(each;
            "ICMPv6 ",
            icmpv6_name(icmp_type, Lang::En),
            " (type ",
            icmp_type,
            ", code ",
            code,
            ")",
        ),
        Annotation::MidStream => each(
            "mid-stream: the capture started after this connection was opened, so its handshake was not seen; relative numbers start from the first segment seen",
        ),
        Annotation::Unexpected { reason } => {
            each("unexpected: ");
            each(match reason {
                Unexpected::AfterFin => "new data after this side already sent its FIN",
                Unexpected::AckOfUnsentData => {
                    "it acknowledges bytes the peer never sent (or that the capture missed)"
                }
                Unexpected::SynOnEstablished => "a SYN on a connection that is already established",
                Unexpected::AfterClosed => "a segment on a connection that was already reset",
                Unexpected::InvalidFlags => {
                    "a flag combination no real stack sends (SYN with FIN or RST, FIN with RST, or no ACK after the handshake)"
                }
            });
        }
    }
}

fn chinese<F: FnMut(&str)>(note: &Annotation, each: &mut F) {
    let who = |role: Role| Who(role, Lang::ZhCn);
    match *note {
        Annotation::HandshakeSyn => {
            each("三次握手 1/3：SYN——客户端请求连接，并选定初始序列号（ISN）")
        }
        Annotation::HandshakeSynAck => each(
            "三次握手 2/3：SYN-ACK——服务器接受连接，选定自己的 ISN，并确认客户端的 SYN（ack = 客户端 ISN + 1）；客户端收到它时 connect() 返回",
        ),
        Annotation::HandshakeAck => each(
            "三次握手 3/3：ACK——客户端确认服务器的 SYN；双方都进入 ESTABLISHED，accept() 可以交出这个连接",
        ),
        Annotation::SynRetransmission => {
            each("SYN 重传：没有及时收到 SYN-ACK，客户端再次发送同一个 SYN（ISN 不变）")
        }
        Annotation::SynAckRetransmission => each(
            "SYN-ACK 重传：没有及时收到客户端的 ACK，服务器再次发送 SYN-ACK（ISN 不变）",
        ),
        Annotation::Data { from, bytes } => {
            say!(each; "数据：", bytes, " 字节，", who(from), " → ", who(from.peer()))
        }
        Annotation::PureAck { from, acked } => say!(each;
            "ACK：",
            who(from),
            "确认已收到相对序列号 ",
            acked,
            " 之前的全部字节（本段不带数据）",
        ),
        Annotation::WindowUpdate { from, window } => say!(each;
            "窗口更新：",
            who(from),
            "现在可以接收 ",
            window,
            " 字节（ack 不变，只有窗口变了）",
        ),
        Annotation::ZeroWindow { from } => say!(each;
            "零窗口：",
            who(from),
            "的接收缓冲区已满——",
            who(from.peer()),
            "必须暂停发送，直到窗口重新打开",
        ),
        Annotation::Retransmission { from, bytes } => say!(each;
            "重传：",
            who(from),
            "再次发送已经发过的 ",
            bytes,
            " 字节（没有及时得到确认）",
        ),
        Annotation::OutOfOrder { from } => say!(each;
            "乱序：",
            who(from),
            "的这个报文段从下一个期望字节之后开始——前面有报文段缺失（丢失或没有被抓到）",
        ),
        Annotation::FillsGap { from, bytes } => say!(each;
            "迟到的报文段：",
            who(from),
            " → ",
            who(from.peer()),
            "的 ",
            bytes,
            " 字节，填补了之前乱序报文段前面的空缺",
        ),
        Annotation::KeepAlive { from } => say!(each;
            "保活探测：",
            who(from),
            "检查空闲的连接是否还在（序列号比下一个字节小 1，不带新数据）",
        ),
        Annotation::FinRetransmission { from } => say!(each;
            "FIN 重传：",
            who(from),
            "没有及时收到对 FIN 的确认，于是再次发送 FIN",
        ),
        Annotation::TeardownFin { from, step: 1 } => say!(each;
            "四次挥手 1/4：FIN——",
            who(from),
            "没有更多数据要发送（close() 或 shutdown(SHUT_WR)），但仍可接收",
        ),
        Annotation::TeardownFin { from, step: 3 } => say!(each;
            "四次挥手 3/4：FIN——",
            who(from),
            "也发送完毕（它的应用调用了 close()）",
        ),
        Annotation::TeardownFin { from, step } => say!(each;
            "四次挥手 ",
            step,
            "/4：FIN——",
            who(from),
            "没有更多数据要发送",
        ),
        Annotation::TeardownAck { from, step: 2 } => say!(each;
            "四次挥手 2/4：ACK——",
            who(from),
            "确认",
            who(from.peer()),
            "的 FIN；这个方向已关闭，另一个方向仍可传数据",
        ),
        Annotation::TeardownAck { from, step: 4 } => say!(each;
            "四次挥手 4/4：ACK——",
            who(from),
            "确认",
            who(from.peer()),
            "的 FIN；连接的两个方向都已关闭",
        ),
        Annotation::TeardownAck { from, step } => say!(each;
            "四次挥手 ",
            step,
            "/4：ACK——",
            who(from),
            "确认",
            who(from.peer()),
            "的 FIN",
        ),
        Annotation::TeardownFinAckPiggybacked { from } => say!(each;
            "四次挥手的第 2 步和第 3 步合在一个报文段里：FIN-ACK——",
            who(from),
            "确认",
            who(from.peer()),
            "的 FIN，同时发出自己的 FIN。",
            who(from),
            "的应用在内核的延迟 ACK 发出之前就调用了 close()，于是 ACK 搭上了 FIN 的便车（三段式挥手）",
        ),
        Annotation::SimultaneousFin { from } => say!(each;
            "同时关闭：",
            who(from),
            "在",
            who(from.peer()),
            "的 FIN 到达之前就发出了自己的 FIN；双方都是主动关闭方，都经过 CLOSING 再进入 TIME-WAIT",
        ),
        Annotation::RstRefused { port } => say!(each;
            "RST：连接被拒绝——端口 ",
            port,
            " 上没有程序在监听，内核用 RST 回应 SYN，connect() 失败并返回 ECONNREFUSED",
        ),
        Annotation::RstAbort { from } => say!(each;
            "RST：",
            who(from),
            "中止了连接（异常关闭：SO_LINGER 超时为 0，或在还有未读数据时调用 close()）；",
            who(from.peer()),
            "的下一次调用会失败并返回 ECONNRESET",
        ),
        Annotation::RstAfterClose { from } => say!(each;
            "关闭后的 RST：",
            who(from),
            "重置了一个已在关闭或已关闭的连接（例如它 close() 之后又收到了数据）",
        ),
        Annotation::UdpDatagram { payload, .. } => say!(each;
            "UDP 数据报：8 字节首部 + ",
            payload,
            " 字节载荷（没有握手，没有 ACK；TCP 的首部至少要 20 字节）",
        ),
        Annotation::IcmpPortUnreachable { datagram, port } => {
            each("ICMP 端口不可达：");
            match port {
                Some(port) => say!(each; "端口 ", port, " 上"),
                None => each("那个端口上"),
            }
            each("没有程序在监听，内核丢弃了");
            match datagram {
                Some(number) => say!(each; "第 ", number, " 号包"),
                None => each("那个数据报（它不在抓包里）"),
            }
            each("并回送这个错误（已 connect() 的 UDP 套接字的下一次调用会失败并返回 ECONNREFUSED）");
        }
        Annotation::Icmp { icmp_type, code } => say!(each;
            "ICMP ",
            icmp_name(icmp_type, code, Lang::ZhCn),
            "（类型 ",
            icmp_type,
            "，代码 ",
            code,
            "）",
        ),
        Annotation::Icmpv6 { icmp_type, code } => say!(each;
            "ICMPv6 ",
            icmpv6_name(icmp_type, Lang::ZhCn),
            "（类型 ",
            icmp_type,
            "，代码 ",
            code,
            "）",
        ),
        Annotation::MidStream => each(
            "中途开始：抓包开始时这个连接已经建立，没有看到握手；相对序列号从看到的第一个报文段算起",
        ),
        Annotation::Unexpected { reason } => {
            each("异常：");
            each(match reason {
                Unexpected::AfterFin => "这一方已经发出 FIN 之后又发送了新数据",
                Unexpected::AckOfUnsentData => "确认了对方从未发送过（或没有被抓到）的字节",
                Unexpected::SynOnEstablished => "在已经建立的连接上出现了 SYN",
                Unexpected::AfterClosed => "连接已被重置之后仍出现报文段",
                Unexpected::InvalidFlags => {
                    "真实的协议栈不会发送这种标志组合（SYN 带 FIN 或 RST、FIN 带 RST，或握手之后没有 ACK）"
                }
            });
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
    use crate::analysis::test_annotations::every_annotation;

    fn en(note: Annotation) -> String {
        note.text(Lang::En).to_string()
    }

    fn zh(note: Annotation) -> String {
        note.text(Lang::ZhCn).to_string()
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
        for note in every_annotation() {
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
    fn the_pieces_make_the_sentence_display_writes() {
        for note in every_annotation() {
            for lang in [Lang::En, Lang::ZhCn] {
                let mut pieces = String::new();
                note.text(lang).write_pieces(|piece| pieces.push_str(piece));
                assert_eq!(pieces, note.text(lang).to_string(), "{note:?}");
            }
        }
        let mut digits = [0u8; 20];
        let boundaries = [
            99_999_999,
            100_000_000,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ];
        for value in (0..10_001).chain(boundaries) {
            assert_eq!(decimal(value, &mut digits), value.to_string());
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
        for note in every_annotation() {
            if let Some((kind, step, of)) = note.step() {
                let text = label(note, Lang::En).unwrap_or_default();
                assert_eq!(text, format!("{kind} {step}/{of}"));
            }
        }
    }
}
