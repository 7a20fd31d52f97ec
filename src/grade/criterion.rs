//! What an exercise awards points for: each criterion is one check on the analysed capture.

use super::bytes_text::escaped;
use super::localized::{pick, Localized};
use crate::lang::Lang;
use regex::Regex;

/// One graded criterion.
#[derive(Clone, Debug)]
pub struct Criterion {
    pub check: Check,
    pub points: u32,
    /// The teacher's wording; without it, a sentence derived from the check.
    pub name: Option<Localized>,
    /// What to do about a failure; without it, the check's own advice.
    pub hint: Option<Localized>,
}

/// Whose bytes or packets a check looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Submission,
    Socklab,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    Equals(Vec<u8>),
    Contains(Vec<u8>),
}

/// How many of something: `count` sets both bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountRange {
    pub min: Option<usize>,
    pub max: Option<usize>,
}

impl CountRange {
    pub fn contains(&self, value: usize) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }

    /// "exactly 2", "at least 1", "between 1 and 3", "at most 4".
    pub fn describe(&self, lang: Lang) -> String {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min == max => {
                pick(lang, format!("exactly {min}"), format!("恰好 {min} 个"))
            }
            (Some(min), Some(max)) => pick(
                lang,
                format!("between {min} and {max}"),
                format!("{min} 到 {max} 个"),
            ),
            (Some(min), None) => pick(lang, format!("at least {min}"), format!("至少 {min} 个")),
            (None, Some(max)) => pick(lang, format!("at most {max}"), format!("至多 {max} 个")),
            (None, None) => pick(lang, "any number".to_string(), "任意个".to_string()),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Check {
    /// A TCP connection between the submission and socklab completed its three-way handshake.
    Handshake,
    /// The submission used the exercise's port: connected or sent to it, or listened or bound on it.
    Port,
    /// The bytes one side sent equal, or contain, a value: per TCP connection (its whole byte stream), or per
    /// UDP datagram.
    Payload {
        from: Side,
        matcher: Matcher,
        /// 1-based; None: every connection.
        connection: Option<usize>,
        /// 1-based; None: every datagram.
        datagram: Option<usize>,
    },
    /// The submission read socklab's reply before closing: its FIN came after the reply, and no RST.
    ReadReply,
    /// The submission closed every connection with FIN, never RST.
    GracefulClose,
    /// The submission sent the first FIN of every connection.
    ActiveCloser,
    /// Every connection ended closed on both sides (nobody left in CLOSE-WAIT, FIN-WAIT-2, ...).
    NoHalfOpen,
    /// The number of TCP connections.
    Connections(CountRange),
    /// The number and the payload sizes of UDP datagrams from one side.
    Datagrams {
        from: Side,
        count: CountRange,
        sizes: Option<Vec<u32>>,
    },
    /// No UDP datagram was answered by ICMP port unreachable.
    Delivered,
    /// A server served at least `min` clients (handshake, and an answer or a FIN on each).
    MultiClient { min: usize },
    /// The submission shut down its sending side and then still received socklab's reply.
    HalfClose,
    /// A connection's Zeek history matches a regular expression.
    History {
        pattern: Regex,
        connection: Option<usize>,
    },
}

impl Check {
    /// The name used in exercise files and JSON reports.
    pub fn name(&self) -> &'static str {
        match self {
            Check::Handshake => "handshake",
            Check::Port => "port",
            Check::Payload { .. } => "payload",
            Check::ReadReply => "read-reply",
            Check::GracefulClose => "graceful-close",
            Check::ActiveCloser => "active-closer",
            Check::NoHalfOpen => "no-half-open",
            Check::Connections(_) => "connections",
            Check::Datagrams { .. } => "datagrams",
            Check::Delivered => "delivered",
            Check::MultiClient { .. } => "multi-client",
            Check::HalfClose => "half-close",
            Check::History { .. } => "history",
        }
    }

    pub const NAMES: [&'static str; 13] = [
        "handshake",
        "port",
        "payload",
        "read-reply",
        "graceful-close",
        "active-closer",
        "no-half-open",
        "connections",
        "datagrams",
        "delivered",
        "multi-client",
        "half-close",
        "history",
    ];

    /// Checks that only make sense on TCP.
    pub fn is_tcp_only(&self) -> bool {
        matches!(
            self,
            Check::Handshake
                | Check::ReadReply
                | Check::GracefulClose
                | Check::ActiveCloser
                | Check::NoHalfOpen
                | Check::Connections(_)
                | Check::MultiClient { .. }
                | Check::HalfClose
                | Check::History { .. }
        )
    }

    pub fn is_udp_only(&self) -> bool {
        matches!(self, Check::Datagrams { .. } | Check::Delivered)
    }

    /// A sentence naming what the criterion checks, when the teacher gave none.
    pub fn default_title(&self, lang: Lang, port: u16) -> String {
        match self {
            Check::Handshake => {
                pick(lang, "Three-way handshake completed", "三次握手完成").to_string()
            }
            Check::Port => pick(
                lang,
                format!("Uses port {port}"),
                format!("使用端口 {port}"),
            ),
            Check::Payload {
                from,
                matcher,
                connection,
                datagram,
            } => {
                let who = match from {
                    Side::Submission => pick(lang, "Sends", "发送"),
                    Side::Socklab => pick(lang, "Receives", "收到"),
                };
                let (verb, bytes) = match matcher {
                    Matcher::Equals(bytes) => (pick(lang, "exactly", "恰好为"), bytes),
                    Matcher::Contains(bytes) => (pick(lang, "bytes containing", "包含"), bytes),
                };
                let scope = match (connection, datagram) {
                    (Some(n), _) => pick(
                        lang,
                        format!(" on connection {n}"),
                        format!("(第 {n} 个连接)"),
                    ),
                    (_, Some(n)) => pick(
                        lang,
                        format!(" in datagram {n}"),
                        format!("(第 {n} 个数据报)"),
                    ),
                    _ => String::new(),
                };
                format!("{who} {verb} {}{scope}", escaped(bytes))
            }
            Check::ReadReply => {
                pick(lang, "Reads the reply before closing", "关闭前读完回复").to_string()
            }
            Check::GracefulClose => pick(
                lang,
                "Closes gracefully with FIN, not RST",
                "用 FIN 正常关闭,而不是 RST",
            )
            .to_string(),
            Check::ActiveCloser => {
                pick(lang, "Closes first (active closer)", "主动关闭(先发 FIN)").to_string()
            }
            Check::NoHalfOpen => {
                pick(lang, "Leaves no connection half-open", "不留下半开的连接").to_string()
            }
            Check::Connections(range) => pick(
                lang,
                format!("Opens {} TCP connection(s)", range.describe(lang)),
                format!("建立{} TCP 连接", range.describe(lang)),
            ),
            Check::Datagrams { count, sizes, .. } => {
                let mut text = pick(
                    lang,
                    format!("Sends {} UDP datagram(s)", count.describe(lang)),
                    format!("发送{} UDP 数据报", count.describe(lang)),
                );
                if let Some(sizes) = sizes {
                    let list: Vec<String> = sizes.iter().map(u32::to_string).collect();
                    text.push_str(&pick(
                        lang,
                        format!(" of {} bytes", list.join(", ")),
                        format!(",大小 {} 字节", list.join(", ")),
                    ));
                }
                text
            }
            Check::Delivered => pick(
                lang,
                "Every datagram reaches a listening port",
                "每个数据报都送达了有人监听的端口",
            )
            .to_string(),
            Check::MultiClient { min } => pick(
                lang,
                format!("Serves {min} clients one after another"),
                format!("依次服务 {min} 个客户端"),
            ),
            Check::HalfClose => pick(
                lang,
                "Half-closes, then reads the reply",
                "半关闭后继续读取回复",
            )
            .to_string(),
            Check::History { pattern, .. } => pick(
                lang,
                format!("Connection history matches {}", pattern.as_str()),
                format!("连接历史符合 {}", pattern.as_str()),
            ),
        }
    }

    /// The fix to try when the check fails, when the teacher wrote no hint.
    pub fn default_hint(&self, lang: Lang, port: u16) -> String {
        match self {
            Check::Handshake => pick(lang,
                format!("Connect to 127.0.0.1:{port} (client), or bind, listen and accept on port {port} (server)."),
                format!("客户端要 connect 到 127.0.0.1:{port};服务器要在端口 {port} 上 bind、listen 并 accept。")),
            Check::Port => pick(lang,
                format!("Use port {port}: read it from the environment or the argument the exercise names, do not hard-code another one."),
                format!("使用端口 {port}:按练习说明从环境变量或参数读取,不要写死别的端口。")),
            Check::Payload { .. } => pick(lang,
                "Send exactly these bytes: check the encoding (.encode(\"utf-8\")), the newline, and spaces.",
                "按字节发送要求的内容:检查编码(.encode(\"utf-8\"))、换行符和空格。").to_string(),
            Check::ReadReply => pick(lang,
                "Call recv() until the whole reply has arrived, then close().",
                "先用 recv() 读完整个回复,再 close()。").to_string(),
            Check::GracefulClose => pick(lang,
                "Call close() (or shutdown) after reading everything; do not set SO_LINGER to 0 and do not leave unread data.",
                "读完所有数据后再 close();不要把 SO_LINGER 设为 0,也不要留下未读的数据。").to_string(),
            Check::ActiveCloser => pick(lang,
                "Close the socket yourself once the exchange is done, instead of waiting for the peer to close.",
                "交互完成后由你的程序先关闭套接字,而不是等对方先关。").to_string(),
            Check::NoHalfOpen => pick(lang,
                "When recv() returns b'' the peer has closed: close your socket too.",
                "recv() 返回 b'' 表示对方已关闭:你也要关闭自己的套接字。").to_string(),
            Check::Connections(_) => pick(lang,
                "Open exactly the connections the exercise asks for.",
                "按练习要求的次数建立连接。").to_string(),
            Check::Datagrams { .. } => pick(lang,
                "Call sendto() once per message: each call sends one datagram of exactly those bytes.",
                "每条消息调用一次 sendto():每次调用发送一个大小正好的数据报。").to_string(),
            Check::Delivered => pick(lang,
                format!("Send to the port where the receiver is bound ({port}); ICMP port unreachable means nobody listened there."),
                format!("发送到接收方绑定的端口({port});ICMP 端口不可达表示那里没有人监听。")),
            Check::MultiClient { .. } => pick(lang,
                "Put accept() in a loop and keep the listening socket open; close only each client's socket.",
                "把 accept() 放在循环里,保持监听套接字打开;只关闭每个客户端的套接字。").to_string(),
            Check::HalfClose => pick(lang,
                "After sending, call shutdown(socket.SHUT_WR), then recv() until it returns b'', then close().",
                "发送完后调用 shutdown(socket.SHUT_WR),再 recv() 直到返回 b'',最后 close()。").to_string(),
            Check::History { .. } => pick(lang,
                "Compare the ladder with the expected order of handshake, data and FIN.",
                "对照时序图,检查握手、数据和 FIN 的顺序。").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_describe_and_contain() {
        let exactly_two = CountRange {
            min: Some(2),
            max: Some(2),
        };
        assert!(exactly_two.contains(2));
        assert!(!exactly_two.contains(3));
        assert_eq!(exactly_two.describe(Lang::En), "exactly 2");
        let at_least = CountRange {
            min: Some(1),
            max: None,
        };
        assert!(at_least.contains(100));
        assert_eq!(at_least.describe(Lang::En), "at least 1");
    }

    #[test]
    fn names_are_listed_once_each() {
        let mut names = Check::NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Check::NAMES.len());
        assert_eq!(Check::HalfClose.name(), "half-close");
    }

    #[test]
    fn default_titles_show_the_bytes() {
        let check = Check::Payload {
            from: Side::Submission,
            matcher: Matcher::Equals(b"hello\n".to_vec()),
            connection: None,
            datagram: None,
        };
        assert_eq!(
            check.default_title(Lang::En, 5000),
            "Sends exactly \"hello\\n\""
        );
        assert!(!check.default_hint(Lang::ZhCn, 5000).is_empty());
    }
}
