//! Common bugs recognised by their signature on the wire, each explained with its packets and its fix.

use super::criterion::Side;
use super::localized::pick;
use super::subject::Subject;
use crate::analysis::{Role, TcpState};
use crate::lang::Lang;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// A stable name: "no-listen", "wrong-port", "address-in-use", "never-closed", "abortive-close",
    /// "closed-before-reply", "udp-port-unreachable", "message-boundaries", "silent".
    pub kind: &'static str,
    /// What happened, citing packets.
    pub explanation: String,
    /// What to change in the program.
    pub fix: String,
    pub packets: Vec<u64>,
}

/// Every signature found in the capture. `stderr` is the submission's error output, when it ran live.
pub fn diagnose(subject: &Subject<'_>, stderr: Option<&str>, lang: Lang) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    refused(subject, stderr, lang, &mut found);
    never_closed(subject, lang, &mut found);
    resets(subject, lang, &mut found);
    message_boundaries(subject, lang, &mut found);
    udp_unreachable(subject, lang, &mut found);
    if found.is_empty() && submission_silent(subject) {
        found.push(Diagnosis {
            kind: "silent",
            explanation: pick(lang,
                "The submission put nothing on the wire: no connection, no datagram.".to_string(),
                "提交的程序没有在网络上发出任何东西:没有连接,也没有数据报。".to_string()),
            fix: pick(lang,
                "Check that it runs at all (see its stderr), and that it talks to 127.0.0.1 on the exercise's port.".to_string(),
                "先确认程序能运行(看它的 stderr),并且与 127.0.0.1 上练习指定的端口通信。".to_string()),
            packets: Vec::new(),
        });
    }
    found
}

fn submission_silent(subject: &Subject<'_>) -> bool {
    let tcp_silent = subject
        .connections
        .iter()
        .all(|c| c.from(c.submission).next().is_none());
    let udp_silent = subject.datagrams().iter().all(|d| d.from == Side::Socklab);
    tcp_silent && udp_silent
}

fn refused(subject: &Subject<'_>, stderr: Option<&str>, lang: Lang, found: &mut Vec<Diagnosis>) {
    let Some((connection, syn, rst)) = subject
        .connections
        .iter()
        .find_map(|c| c.was_refused().map(|(syn, rst)| (c, syn, rst)))
    else {
        return;
    };
    let port = connection.server_port();
    if subject.role == Role::Client {
        found.push(Diagnosis {
            kind: "wrong-port",
            explanation: pick(lang,
                format!("The submission connected to port {port} (SYN #{}), where nothing listens: RST #{} refused it, and connect() failed with ECONNREFUSED. socklab was listening on port {}.", syn.number, rst.number, subject.port),
                format!("提交的程序连接了端口 {port}(SYN #{}),那里没有人监听:RST #{} 拒绝了它,connect() 返回 ECONNREFUSED。socklab 监听的是端口 {}。", syn.number, rst.number, subject.port)),
            fix: pick(lang,
                format!("Connect to port {}, as the exercise says (read it from the environment or the argument; do not hard-code it).", subject.port),
                format!("按练习说明连接端口 {}(从环境变量或参数读取,不要写死)。", subject.port)),
            packets: vec![syn.number, rst.number],
        });
        return;
    }
    // A server whose port is refused: was the port left in TIME-WAIT just before?
    let time_wait = subject
        .prepared
        .iter()
        .copied()
        .chain(subject.connections.iter().map(|c| c.flow))
        .find(|flow| {
            flow.info.server.port() == port
                && flow.info.first_packet < syn.number
                && flow
                    .final_states
                    .is_some_and(|states| states.server == TcpState::TimeWait)
        });
    if let Some(flow) = time_wait {
        let in_use = stderr.is_some_and(|text| {
            text.contains("Address already in use")
                || text.contains("EADDRINUSE")
                || text.contains("Errno 98")
        });
        let confirmed = if in_use {
            pick(
                lang,
                " Its stderr confirms: \"Address already in use\".",
                "它的 stderr 也证实了:\"Address already in use\"。",
            )
        } else {
            ""
        };
        found.push(Diagnosis {
            kind: "address-in-use",
            explanation: pick(lang,
                format!("Port {port} was still in TIME-WAIT: the server side closed first on the earlier connection (from #{}). A server that binds that port without SO_REUSEADDR gets EADDRINUSE and never listens, so SYN #{} was refused by RST #{}.{confirmed}", flow.info.first_packet, syn.number, rst.number),
                format!("端口 {port} 仍处于 TIME-WAIT:之前的连接(从 #{} 开始)由服务器一端先关闭。没有设置 SO_REUSEADDR 就绑定这个端口会得到 EADDRINUSE,服务器根本没有监听,所以 SYN #{} 被 RST #{} 拒绝。{confirmed}", flow.info.first_packet, syn.number, rst.number)),
            fix: pick(lang,
                "Set SO_REUSEADDR before bind(): s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1).".to_string(),
                "在 bind() 之前设置 SO_REUSEADDR:s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)。".to_string()),
            packets: vec![flow.info.first_packet, syn.number, rst.number],
        });
        return;
    }
    let served_before = subject
        .connections
        .iter()
        .any(|c| c.number < connection.number && c.flow.handshake_complete);
    let explanation = if served_before {
        pick(lang,
            format!("After serving a client, the server stopped listening: SYN #{} of connection {} was refused by RST #{}. It closed its listening socket, or exited, after the first client.", syn.number, connection.number, rst.number),
            format!("服务完一个客户端后,服务器就不再监听了:第 {} 个连接的 SYN #{} 被 RST #{} 拒绝。它在第一个客户端之后关闭了监听套接字,或者退出了。", connection.number, syn.number, rst.number))
    } else {
        pick(lang,
            format!("Nothing listened on port {port}: SYN #{} was answered by RST #{} (connection refused). The server did not call listen(), or exited before socklab connected.", syn.number, rst.number),
            format!("端口 {port} 上没有监听:SYN #{} 被 RST #{} 拒绝(connection refused)。服务器没有调用 listen(),或者在 socklab 连接之前就退出了。", syn.number, rst.number))
    };
    found.push(Diagnosis {
        kind: "no-listen",
        explanation,
        fix: pick(
            lang,
            "bind(), listen(), then accept() in a loop; keep the listening socket open."
                .to_string(),
            "先 bind()、listen(),再循环 accept();保持监听套接字打开。".to_string(),
        ),
        packets: vec![syn.number, rst.number],
    });
}

fn never_closed(subject: &Subject<'_>, lang: Lang, found: &mut Vec<Diagnosis>) {
    for connection in subject.established() {
        if connection.first_fin(connection.submission).is_some()
            || connection.first_rst(connection.submission).is_some()
        {
            continue;
        }
        let Some((mine, theirs)) = connection.final_states() else {
            continue;
        };
        let last = connection.packets.last().map_or(0, |p| p.number);
        let explanation = match connection.first_fin(connection.socklab()) {
            Some(fin) => pick(lang,
                format!("Connection {} ({}): socklab closed its side (FIN #{}), but the submission never closed its socket: it is stuck in {mine}, and socklab waits in {theirs}. recv() had returned b'' and the program did not call close().", connection.number, connection.frame_range(), fin.number),
                format!("第 {} 个连接({}):socklab 已关闭自己一端(FIN #{}),但提交的程序始终没有关闭套接字:它停在 {mine},socklab 停在 {theirs}。recv() 已返回 b'',程序却没有调用 close()。", connection.number, connection.frame_range(), fin.number)),
            None => pick(lang,
                format!("Connection {} ({}): the submission never closed its socket: no FIN by the end of the run (submission {mine} / socklab {theirs}).", connection.number, connection.frame_range()),
                format!("第 {} 个连接({}):提交的程序始终没有关闭套接字:直到运行结束都没有 FIN(提交的程序 {mine} / socklab {theirs})。", connection.number, connection.frame_range())),
        };
        found.push(Diagnosis {
            kind: "never-closed",
            explanation,
            fix: pick(lang,
                "Call close() on the connected socket once the exchange is over (or use `with socket.socket(...) as s:`).".to_string(),
                "交互结束后对已连接的套接字调用 close()(或使用 `with socket.socket(...) as s:`)。".to_string()),
            packets: vec![last],
        });
    }
}

fn resets(subject: &Subject<'_>, lang: Lang, found: &mut Vec<Diagnosis>) {
    for connection in subject.established() {
        let Some(rst) = connection.first_rst(connection.submission) else {
            continue;
        };
        let after_own_fin = connection
            .first_fin(connection.submission)
            .filter(|fin| fin.number < rst.number);
        let answered = connection
            .data(connection.socklab())
            .into_iter()
            .rfind(|data| data.number < rst.number);
        let (kind, explanation, fix) = match (after_own_fin, answered) {
            (Some(fin), Some(data)) if data.number > fin.number => (
                "closed-before-reply",
                pick(lang,
                    format!("The submission closed its socket (FIN #{}) before socklab's reply #{} arrived; its kernel refused the reply with RST #{}.", fin.number, data.number, rst.number),
                    format!("提交的程序在 socklab 的回复 #{} 到达之前就关闭了套接字(FIN #{});它的内核用 RST #{} 拒收了回复。", data.number, fin.number, rst.number)),
                pick(lang, "Read the reply with recv() before close(); to stop sending but keep receiving, use shutdown(socket.SHUT_WR).", "在 close() 之前先用 recv() 读回复;若只想停止发送而继续接收,用 shutdown(socket.SHUT_WR)。"),
            ),
            _ => (
                "abortive-close",
                pick(lang,
                    format!("The submission aborted connection {} with RST #{} instead of closing it with FIN: SO_LINGER set to 0, or close() while received bytes were still unread.", connection.number, rst.number),
                    format!("提交的程序用 RST #{} 中止了第 {} 个连接,而不是用 FIN 正常关闭:设置了 SO_LINGER 为 0,或者在还有数据未读时调用了 close()。", rst.number, connection.number)),
                pick(lang, "Read everything the peer sent, do not set SO_LINGER to 0, then close().", "读完对方发来的全部数据,不要把 SO_LINGER 设为 0,然后再 close()。"),
            ),
        };
        found.push(Diagnosis {
            kind,
            explanation,
            fix: fix.to_string(),
            packets: vec![rst.number],
        });
    }
}

fn message_boundaries(subject: &Subject<'_>, lang: Lang, found: &mut Vec<Diagnosis>) {
    for connection in subject.established() {
        let pieces = connection.data(connection.socklab());
        let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
            continue;
        };
        if pieces.len() < 2 {
            continue;
        }
        let closing = connection
            .from(connection.submission)
            .find(|packet| packet.is_fin() || packet.is_rst())
            .copied();
        let Some(closing) = closing else { continue };
        if !(first.number < closing.number && closing.number < last.number) {
            continue;
        }
        let sizes: Vec<String> = pieces
            .iter()
            .map(|p| format!("#{}: {} B", p.number, p.payload_len()))
            .collect();
        found.push(Diagnosis {
            kind: "message-boundaries",
            explanation: pick(lang,
                format!("socklab sent its reply in {} pieces ({}), and the submission closed (#{}) after the first: it treated one recv() as one whole message. TCP is a byte stream: segment boundaries carry no meaning, and recv() returns whatever has arrived so far.", pieces.len(), sizes.join(", "), closing.number),
                format!("socklab 把回复分成 {} 段发送({}),而提交的程序在第一段之后就关闭了(#{}):它把一次 recv() 当成了一条完整的消息。TCP 是字节流:分段边界没有意义,recv() 只返回目前已经到达的数据。", pieces.len(), sizes.join(", "), closing.number)),
            fix: pick(lang,
                "Call recv() in a loop until the whole message has arrived (for a line: until b\"\\n\").".to_string(),
                "循环调用 recv(),直到整条消息到齐(对于一行文本:直到收到 b\"\\n\")。".to_string()),
            packets: pieces.iter().map(|p| p.number).chain([closing.number]).collect(),
        });
    }
}

fn udp_unreachable(subject: &Subject<'_>, lang: Lang, found: &mut Vec<Diagnosis>) {
    let datagrams = subject.datagrams();
    for (icmp, quoted) in subject.unreachables() {
        let Some(datagram) = quoted else { continue };
        let Some(dst_port) = datagram.dst_port() else {
            continue;
        };
        let from = datagrams
            .iter()
            .find(|d| d.packet.number == datagram.number)
            .map(|d| d.from);
        let (explanation, fix) = match from {
            Some(Side::Socklab) => (
                pick(lang,
                    format!("socklab's datagram #{} to port {dst_port} was answered by ICMP port unreachable #{}: the submission was not bound to that port (recvfrom() on an unbound socket receives nothing).", datagram.number, icmp.number),
                    format!("socklab 发往端口 {dst_port} 的数据报 #{} 收到 ICMP 端口不可达 #{}:提交的程序没有绑定这个端口(未绑定的套接字 recvfrom() 收不到任何数据)。", datagram.number, icmp.number)),
                pick(lang, format!("bind(('127.0.0.1', {})) before recvfrom().", subject.port), format!("在 recvfrom() 之前先 bind(('127.0.0.1', {}))。", subject.port)),
            ),
            _ => (
                pick(lang,
                    format!("The submission's datagram #{} went to port {dst_port}, where nothing was bound: ICMP port unreachable #{}. UDP does not connect first, so sendto() succeeded and the data was silently lost.", datagram.number, icmp.number),
                    format!("提交的程序的数据报 #{} 发往端口 {dst_port},那里没有绑定任何套接字:ICMP 端口不可达 #{}。UDP 不需要先建立连接,所以 sendto() 成功了,数据却悄悄丢了。", datagram.number, icmp.number)),
                pick(lang,
                    "Send to the port the receiver is bound to: the exercise's port, or the address recvfrom() returned.".to_string(),
                    "发往接收方绑定的端口:练习指定的端口,或 recvfrom() 返回的地址。".to_string()),
            ),
        };
        found.push(Diagnosis {
            kind: "udp-port-unreachable",
            explanation,
            fix,
            packets: vec![datagram.number, icmp.number],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::test_frames::{Capture, Tcp};

    fn diagnosed(capture: &Capture, role: Role, stderr: Option<&str>) -> Vec<Diagnosis> {
        let wire = capture.analyse();
        let subject = Subject::new(&wire, 5000, role, &[], None);
        diagnose(&subject, stderr, Lang::En)
    }

    #[test]
    fn a_refused_server_port_is_no_listen() {
        let mut capture = Capture::default();
        Tcp::new(40000, 5000).refused(&mut capture);
        let found = diagnosed(&capture, Role::Server, None);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, "no-listen");
        assert!(
            found[0]
                .explanation
                .contains("SYN #1 was answered by RST #2"),
            "{found:?}"
        );
    }

    #[test]
    fn time_wait_before_a_refusal_is_address_in_use() {
        let mut capture = Capture::default();
        let mut earlier = Tcp::new(40000, 5000);
        earlier.handshake(&mut capture);
        earlier.close(&mut capture, Role::Server); // the server closes first: TIME-WAIT on port 5000
        Tcp::new(40001, 5000).refused(&mut capture); // 8-9
        let found = diagnosed(
            &capture,
            Role::Server,
            Some("OSError: [Errno 98] Address already in use"),
        );
        assert_eq!(found[0].kind, "address-in-use", "{found:?}");
        assert!(
            found[0]
                .explanation
                .contains("SYN #8 was refused by RST #9"),
            "{}",
            found[0].explanation
        );
        assert!(
            found[0].explanation.contains("stderr confirms"),
            "{}",
            found[0].explanation
        );
        assert!(found[0].fix.contains("SO_REUSEADDR"));
    }

    #[test]
    fn a_server_that_never_closes_leaves_close_wait() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, Role::Client, b"ping\n");
        tcp.exchange(&mut capture, Role::Server, b"PING\n");
        tcp.fin(&mut capture, Role::Client); // 8
        tcp.ack(&mut capture, Role::Server); // 9
        let found = diagnosed(&capture, Role::Server, None);
        assert_eq!(found[0].kind, "never-closed");
        assert!(
            found[0].explanation.contains("stuck in CLOSE-WAIT"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn closing_after_the_first_piece_is_a_message_boundary_bug() {
        let mut capture = Capture::default();
        let mut tcp = Tcp::new(40000, 5000);
        tcp.handshake(&mut capture);
        tcp.exchange(&mut capture, Role::Client, b"hello\n"); // 4-5
        tcp.exchange(&mut capture, Role::Server, b"HEL"); // 6-7
        tcp.fin(&mut capture, Role::Client); // 8
        tcp.data(&mut capture, Role::Server, b"LO\n"); // 9
        tcp.rst(&mut capture, Role::Client); // 10
        let found = diagnosed(&capture, Role::Client, None);
        let kinds: Vec<&str> = found.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["closed-before-reply", "message-boundaries"]);
        assert!(
            found[1].explanation.contains("2 pieces (#6: 3 B, #9: 3 B)"),
            "{}",
            found[1].explanation
        );
    }

    #[test]
    fn a_datagram_to_the_wrong_port_is_explained() {
        let mut capture = Capture::default();
        capture.udp(40000, 5001, b"hello");
        capture.port_unreachable(40000, 5001, b"hello");
        let found = diagnosed(&capture, Role::Client, None);
        assert_eq!(found[0].kind, "udp-port-unreachable");
        assert!(
            found[0].explanation.contains("#1 went to port 5001"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn an_empty_capture_is_silent() {
        let found = diagnosed(&Capture::default(), Role::Client, None);
        assert_eq!(found[0].kind, "silent");
    }
}
