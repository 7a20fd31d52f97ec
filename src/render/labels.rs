//! The renderers' own words (column names, headings, summary labels) in each language.
//!
//! Protocol vocabulary (SYN, ACK, IPv4, TCP, RFC 793 state names) stays as the standards spell it.

use crate::lang::Lang;

pub(crate) struct Labels {
    pub client: &'static str,
    pub server: &'static str,
    pub source: &'static str,
    /// "TCP stream 0": the word between the protocol and the index.
    pub stream: &'static str,
    /// Separator after a heading-like prefix: ": " or "：".
    pub colon: &'static str,
    /// Parentheses around an aside: " (" and ")", or "（" and "）".
    pub paren_open: &'static str,
    pub paren_close: &'static str,
    pub called: &'static str,
    pub returned: &'static str,
    pub failed: &'static str,
    pub undecodable: &'static str,
    pub datagram: &'static str,
    pub quotes_packet: &'static str,
    pub port_unreachable: &'static str,
    pub destination_unreachable: &'static str,
    pub echo_request: &'static str,
    pub echo_reply: &'static str,
    pub time_exceeded: &'static str,
    pub not_ip: &'static str,
    pub ip_protocol: &'static str,
    pub payload: &'static str,

    pub summary: &'static str,
    pub protocol: &'static str,
    pub packets: &'static str,
    pub link_header: &'static str,
    pub ip_header: &'static str,
    pub transport_header: &'static str,
    pub header_overhead: &'static str,
    pub total: &'static str,
    pub other: &'static str,
    pub bytes_note: &'static str,
    pub flows: &'static str,
    pub no_flows: &'static str,
    /// After a count: conversations beyond the listed ones.
    pub unlisted_flows: &'static str,
    pub history: &'static str,
    pub history_note: &'static str,
    pub client_states: &'static str,
    pub server_states: &'static str,
    pub handshake: &'static str,
    pub complete: &'static str,
    pub incomplete: &'static str,
    pub close: &'static str,
    pub closed_cleanly: &'static str,
    pub not_closed_cleanly: &'static str,
    pub client_closed_first: &'static str,
    pub server_closed_first: &'static str,
    /// Joins clauses: "; " or "；".
    pub clause_sep: &'static str,
    /// Joins list items: ", " or "，".
    pub list_sep: &'static str,
    pub bytes: &'static str,
    pub capture: &'static str,
    pub capture_complete: &'static str,
    pub frames: &'static str,
    pub kernel_drops_none: &'static str,
    pub incomplete_warning: &'static str,
    pub kernel_dropped: &'static str,
    pub facts_missing: &'static str,
    pub undecodable_count: &'static str,
}

impl Labels {
    pub fn get(lang: Lang) -> &'static Labels {
        match lang {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// "step" / "步骤": stable output shows the step that caused a packet where the time would be.
    pub fn step_word(&self) -> &'static str {
        if std::ptr::eq(self, &ZH_CN) {
            "步骤"
        } else {
            "step"
        }
    }

    /// An actor of a socket call: "client" and "server" are translated, "client2" is shown as written.
    pub fn actor<'a>(&self, actor: &'a str) -> &'a str {
        match actor {
            "client" => self.client,
            "server" => self.server,
            other => other,
        }
    }
}

static EN: Labels = Labels {
    client: "client",
    server: "server",
    source: "source",
    stream: "stream",
    colon: ": ",
    paren_open: " (",
    paren_close: ")",
    called: "called",
    returned: "returned",
    failed: "failed",
    undecodable: "could not be decoded",
    datagram: "datagram",
    quotes_packet: "quotes packet",
    port_unreachable: "port unreachable",
    destination_unreachable: "destination unreachable",
    echo_request: "echo request",
    echo_reply: "echo reply",
    time_exceeded: "time exceeded",
    not_ip: "not IP",
    ip_protocol: "IP protocol",
    payload: "payload",

    summary: "Summary",
    protocol: "protocol",
    packets: "packets",
    link_header: "link",
    ip_header: "IP",
    transport_header: "transport",
    header_overhead: "overhead",
    total: "total",
    other: "other",
    bytes_note: "(bytes; overhead = header bytes / all bytes)",
    flows: "Conversations",
    no_flows: "none",
    unlisted_flows: "more conversations, counted together rather than listed",
    history: "history",
    history_note: "upper case: client, lower case: server",
    client_states: "client states",
    server_states: "server states",
    handshake: "handshake",
    complete: "complete",
    incomplete: "not seen in full",
    close: "close",
    closed_cleanly: "clean: both FINs sent and acknowledged",
    not_closed_cleanly: "not clean",
    client_closed_first: "the client closed first",
    server_closed_first: "the server closed first",
    clause_sep: "; ",
    list_sep: ", ",
    bytes: "payload",
    capture: "Capture",
    capture_complete: "complete",
    frames: "frames",
    kernel_drops_none: "the kernel dropped none",
    incomplete_warning: "WARNING: this capture is INCOMPLETE.",
    kernel_dropped: "packets were dropped by the kernel before socklab could read them",
    facts_missing: "Facts above may be missing or wrong: the ladder, states and totals only know the packets that were captured.",
    undecodable_count: "frames could not be decoded (each is shown where it appeared)",
};

static ZH_CN: Labels = Labels {
    client: "客户端",
    server: "服务器",
    source: "来源",
    stream: "流",
    colon: "：",
    paren_open: "（",
    paren_close: "）",
    called: "已调用",
    returned: "返回",
    failed: "失败",
    undecodable: "无法解码",
    datagram: "数据报",
    quotes_packet: "引用包",
    port_unreachable: "端口不可达",
    destination_unreachable: "目的不可达",
    echo_request: "回显请求",
    echo_reply: "回显应答",
    time_exceeded: "超时",
    not_ip: "非 IP",
    ip_protocol: "IP 协议",
    payload: "载荷",

    summary: "总结",
    protocol: "协议",
    packets: "包数",
    link_header: "链路层",
    ip_header: "IP",
    transport_header: "传输层",
    header_overhead: "头部开销",
    total: "合计",
    other: "其他",
    bytes_note: "（单位：字节；开销 = 头部字节 / 全部字节）",
    flows: "会话",
    no_flows: "无",
    unlisted_flows: "个会话未逐一列出，合并计数",
    history: "历史",
    history_note: "大写：客户端，小写：服务器",
    client_states: "客户端状态",
    server_states: "服务器状态",
    handshake: "握手",
    complete: "完整",
    incomplete: "未完整看到",
    close: "关闭",
    closed_cleanly: "干净：双方的 FIN 都已发送并被确认",
    not_closed_cleanly: "不干净",
    client_closed_first: "客户端先关闭",
    server_closed_first: "服务器先关闭",
    clause_sep: "；",
    list_sep: "，",
    bytes: "载荷",
    capture: "抓包",
    capture_complete: "完整",
    frames: "帧",
    kernel_drops_none: "内核没有丢包",
    incomplete_warning: "警告：本次抓包不完整（INCOMPLETE）。",
    kernel_dropped: "个包在 socklab 读取之前被内核丢弃",
    facts_missing: "以上内容可能缺失或有误：梯形图、状态和统计只知道被抓到的包。",
    undecodable_count: "帧无法解码（每一帧都已在出现的位置说明）",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_translated_when_they_are_roles() {
        let zh = Labels::get(Lang::ZhCn);
        assert_eq!(zh.actor("client"), "客户端");
        assert_eq!(zh.actor("server"), "服务器");
        assert_eq!(zh.actor("client2"), "client2");
        assert_eq!(Labels::get(Lang::En).actor("server"), "server");
    }
}
