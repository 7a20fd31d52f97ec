//! The glossary of concepts lessons cover. A lesson lists concept ids; the catalogue shows their names in
//! the learner's language, and a test checks that every concept of the seed tutorials has a lesson.

use super::text::tr;
use crate::lang::Lang;

/// One concept: a stable id (used in lesson files) and its name in each language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Concept {
    pub id: &'static str,
    pub en: &'static str,
    pub zh_cn: &'static str,
}

impl Concept {
    pub fn name(&self, lang: Lang) -> &'static str {
        tr(lang, self.en, self.zh_cn)
    }
}

const fn concept(id: &'static str, en: &'static str, zh_cn: &'static str) -> Concept {
    Concept { id, en, zh_cn }
}

/// Every concept, roughly in the order a course meets them.
pub const CONCEPTS: &[Concept] = &[
    concept("ip-address", "IP address", "IP 地址"),
    concept(
        "private-address",
        "private and public addresses",
        "私有地址与公有地址",
    ),
    concept(
        "loopback",
        "loopback (lo, 127.0.0.1, ::1)",
        "回环接口（lo、127.0.0.1、::1）",
    ),
    concept("port", "port", "端口"),
    concept(
        "well-known-port",
        "well-known ports (0–1023)",
        "知名端口（0–1023）",
    ),
    concept("ephemeral-port", "ephemeral port", "临时端口（动态端口）"),
    concept("five-tuple", "5-tuple", "五元组"),
    concept("socket", "socket", "套接字"),
    concept(
        "address-family",
        "address family (AF_INET, AF_INET6, AF_UNIX)",
        "地址族（AF_INET、AF_INET6、AF_UNIX）",
    ),
    concept(
        "socket-type",
        "socket type (SOCK_STREAM, SOCK_DGRAM)",
        "套接字类型（SOCK_STREAM、SOCK_DGRAM）",
    ),
    concept("client-server", "client and server", "客户端与服务器"),
    concept("bind", "bind()", "bind()（绑定）"),
    concept("listen", "listen()", "listen()（监听）"),
    concept("backlog", "listen backlog", "监听队列（backlog）"),
    concept("connect", "connect()", "connect()（连接）"),
    concept("accept", "accept()", "accept()（接受连接）"),
    concept(
        "listening-socket",
        "listening socket vs connected socket",
        "监听套接字与已连接套接字",
    ),
    concept("send-recv", "send() and recv()", "send() 与 recv()"),
    concept(
        "sendto-recvfrom",
        "sendto() and recvfrom()",
        "sendto() 与 recvfrom()",
    ),
    concept("close", "close()", "close()（关闭）"),
    concept("three-way-handshake", "three-way handshake", "三次握手"),
    concept("isn", "initial sequence number (ISN)", "初始序列号（ISN）"),
    concept(
        "tcp-options",
        "TCP options (MSS, window scale, SACK, timestamps)",
        "TCP 选项（MSS、窗口扩大、SACK、时间戳）",
    ),
    concept("sequence-number", "sequence numbers", "序列号"),
    concept("acknowledgement", "acknowledgements (ACK)", "确认（ACK）"),
    concept("psh", "PSH flag", "PSH 标志"),
    concept(
        "tcp-header",
        "TCP header (20 bytes + options)",
        "TCP 首部（20 字节 + 选项）",
    ),
    concept(
        "byte-stream",
        "byte stream (no message boundaries)",
        "字节流（没有消息边界）",
    ),
    concept(
        "message-boundaries",
        "datagrams keep message boundaries",
        "数据报保留消息边界",
    ),
    concept("four-way-teardown", "four-way teardown", "四次挥手"),
    concept("delayed-ack", "delayed ACK", "延迟确认"),
    concept("half-close", "half-close (shutdown)", "半关闭（shutdown）"),
    concept("time-wait", "TIME-WAIT", "TIME-WAIT 状态"),
    concept("so-reuseaddr", "SO_REUSEADDR", "SO_REUSEADDR"),
    concept("tcp-states", "TCP states", "TCP 状态"),
    concept("rst", "RST (reset)", "RST（复位）"),
    concept(
        "connection-refused",
        "connection refused (ECONNREFUSED)",
        "连接被拒绝（ECONNREFUSED）",
    ),
    concept(
        "so-linger",
        "SO_LINGER and abortive close",
        "SO_LINGER 与异常关闭",
    ),
    concept("udp", "UDP", "UDP"),
    concept(
        "connectionless",
        "connectionless communication",
        "无连接通信",
    ),
    concept("udp-header", "UDP header (8 bytes)", "UDP 首部（8 字节）"),
    concept("header-overhead", "header overhead", "首部开销"),
    concept("best-effort", "best-effort delivery", "尽最大努力交付"),
    concept(
        "icmp-port-unreachable",
        "ICMP port unreachable",
        "ICMP 端口不可达",
    ),
    concept(
        "connected-udp",
        "connected UDP socket",
        "已连接的 UDP 套接字",
    ),
    concept("threads", "one thread per client", "每个客户端一个线程"),
    concept("ipv6", "IPv6", "IPv6"),
    concept(
        "ipv6-header",
        "IPv6 header (40 bytes)",
        "IPv6 首部（40 字节）",
    ),
    concept(
        "unix-socket",
        "Unix domain socket (AF_UNIX)",
        "Unix 域套接字（AF_UNIX）",
    ),
    concept(
        "raw-socket",
        "raw and packet sockets (SOCK_RAW)",
        "原始套接字（SOCK_RAW）",
    ),
    concept("tcp-vs-udp", "TCP vs UDP", "TCP 与 UDP 的区别"),
    concept("reliability", "reliability and ordering", "可靠性与顺序"),
    concept(
        "application-protocol",
        "application protocols (HTTP) over sockets",
        "套接字之上的应用层协议（HTTP）",
    ),
];

/// The concept with this id.
pub fn find(id: &str) -> Option<&'static Concept> {
    CONCEPTS.iter().find(|concept| concept.id == id)
}

/// What the seed tutorials (../shared/seeds) teach, each with the concept id that gives it a lesson.
/// A test checks that every one of them is covered by some built-in lesson.
pub const SEED_TOPICS: &[(&str, &str)] = &[
    ("IP地址标记网络中的一台电脑", "ip-address"),
    ("内网与外网、公有IP与私有IP", "private-address"),
    ("端口标记电脑上运行中的程序", "port"),
    ("知名端口 0–1023", "well-known-port"),
    (
        "动态端口 1024–65535，未绑定时端口随机分配",
        "ephemeral-port",
    ),
    (
        "套接字包含五种信息：协议、本地IP、本地端口、远地IP、远地端口",
        "five-tuple",
    ),
    ("socket.socket(AddressFamily, Type)", "socket"),
    ("AF_INET、AF_INET6、AF_UNIX", "address-family"),
    ("SOCK_STREAM 与 SOCK_DGRAM", "socket-type"),
    ("SOCK_RAW 原始套接字", "raw-socket"),
    ("客户端与服务器端", "client-server"),
    ("bind((host, port))", "bind"),
    ("listen(128)：主动变被动", "listen"),
    ("listen(5) 最大连接数", "backlog"),
    ("connect((host, port))", "connect"),
    (
        "accept() 返回新的套接字，监听套接字继续等待其他客户端",
        "listening-socket",
    ),
    ("send/sendall/recv(1024)", "send-recv"),
    ("sendto/recvfrom 返回 (数据, (IP, 端口))", "sendto-recvfrom"),
    ("close() 关闭套接字", "close"),
    ("三次握手", "three-way-handshake"),
    ("同步序列号", "isn"),
    ("TCP 首部 20 字节", "tcp-header"),
    ("四次断开", "four-way-teardown"),
    ("UDP 非连接的协议", "connectionless"),
    ("UDP 首部只有 8 个字节", "udp-header"),
    ("UDP 面向报文，保留报文边界", "message-boundaries"),
    ("TCP 流模式", "byte-stream"),
    ("UDP 尽最大努力交付，可能丢包", "best-effort"),
    ("TCP 保证数据正确性与顺序", "reliability"),
    ("TCP 与 UDP 的六个区别", "tcp-vs-udp"),
    ("多线程服务器：每个客户端一个线程", "threads"),
    ("IPv4 与 IPv6", "ipv6"),
    (
        "HTTP 与 Socket：应用层协议使用套接字",
        "application-protocol",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_seed_topic_names_a_concept() {
        for (index, concept) in CONCEPTS.iter().enumerate() {
            assert!(
                !CONCEPTS[..index].iter().any(|other| other.id == concept.id),
                "{} appears twice",
                concept.id
            );
            assert!(!concept.en.is_empty() && !concept.zh_cn.is_empty());
        }
        for (topic, id) in SEED_TOPICS {
            assert!(find(id).is_some(), "{topic}: no concept {id}");
        }
        assert_eq!(
            find("isn").map(|c| c.name(Lang::ZhCn)),
            Some("初始序列号（ISN）")
        );
    }
}
