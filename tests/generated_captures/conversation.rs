//! A TCP connection as a sequence of segments: it keeps both sides' sequence numbers, windows and
//! timestamps, so a story ("handshake, 3 segments, one retransmitted, teardown") reads as a few calls.

use super::wire::{flags::*, option, Ip, Tcp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    C,
    /// Server to client.
    S,
}

#[derive(Clone, Debug)]
struct Side {
    ip: Ip,
    port: u16,
    isn: u32,
    /// Next sequence number to send, relative to the ISN.
    next: u32,
    window: u16,
    /// TSval this side sends next, if timestamps are on.
    tsval: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Conversation {
    client: Side,
    server: Side,
    /// The IP packets sent so far, in order.
    pub packets: Vec<Vec<u8>>,
}

impl Conversation {
    pub fn new(client: Ip, ports: (u16, u16), isns: (u32, u32)) -> Conversation {
        let server_ip = client.reversed();
        Conversation {
            client: Side {
                ip: client,
                port: ports.0,
                isn: isns.0,
                next: 0,
                window: 65535,
                tsval: None,
            },
            server: Side {
                ip: server_ip,
                port: ports.1,
                isn: isns.1,
                next: 0,
                window: 65535,
                tsval: None,
            },
            packets: Vec::new(),
        }
    }

    fn sides(&mut self, from: Dir) -> (&mut Side, &mut Side) {
        match from {
            Dir::C => (&mut self.client, &mut self.server),
            Dir::S => (&mut self.server, &mut self.client),
        }
    }

    /// Turns on timestamps: every later segment carries NOP NOP TS (as Linux sends them).
    pub fn with_timestamps(mut self, client_start: u32, server_start: u32) -> Self {
        self.client.tsval = Some(client_start);
        self.server.tsval = Some(server_start);
        self
    }

    /// Skips `bytes` of `from`'s sequence space, as if the capture had missed them.
    pub fn skip(&mut self, from: Dir, bytes: u32) -> &mut Self {
        let (me, _) = self.sides(from);
        me.next = me.next.wrapping_add(bytes);
        self
    }

    pub fn set_window(&mut self, from: Dir, window: u16) -> &mut Self {
        self.sides(from).0.window = window;
        self
    }

    /// Where `from` will send next, relative to its ISN.
    pub fn next(&self, from: Dir) -> u32 {
        match from {
            Dir::C => self.client.next,
            Dir::S => self.server.next,
        }
    }

    /// The raw sequence number of relative `rel` in `from`'s space.
    pub fn raw(&self, from: Dir, rel: u32) -> u32 {
        let side = match from {
            Dir::C => &self.client,
            Dir::S => &self.server,
        };
        side.isn.wrapping_add(rel)
    }

    /// Sends the next in-order segment from `from`, acknowledging everything the peer sent.
    pub fn send(&mut self, from: Dir, flags: u16, payload: usize) -> &mut Self {
        self.send_with(from, flags, payload, Vec::new())
    }

    /// Like [`send`](Self::send) with extra options (placed before the timestamps).
    pub fn send_with(
        &mut self,
        from: Dir,
        flags: u16,
        payload: usize,
        options: Vec<u8>,
    ) -> &mut Self {
        let at = self.next(from);
        self.send_at(from, at, flags, payload, options)
    }

    /// Sends a segment starting at relative sequence number `rel_seq` (a retransmission, a
    /// segment sent ahead of a gap); what `from` has sent grows only if this segment reaches further.
    pub fn send_at(
        &mut self,
        from: Dir,
        rel_seq: u32,
        flags: u16,
        payload: usize,
        mut options: Vec<u8>,
    ) -> &mut Self {
        let (me, peer) = self.sides(from);
        let ack = if flags & ACK != 0 {
            peer.isn.wrapping_add(peer.next)
        } else {
            0
        };
        if let Some(tsval) = me.tsval {
            let echo = if flags & ACK != 0 {
                peer.tsval.unwrap_or(0).wrapping_sub(1)
            } else {
                0
            };
            options.extend_from_slice(&[option::NOP, option::NOP]);
            options.extend(option::timestamps(tsval, echo));
            me.tsval = Some(tsval.wrapping_add(7));
        }
        let segment = Tcp {
            window: me.window,
            urgent: 0,
            options,
            payload: (0..payload).map(|i| b'a' + (i % 26) as u8).collect(),
            ..Tcp::new(me.port, peer.port, me.isn.wrapping_add(rel_seq), ack, flags)
        };
        let length = payload as u32 + u32::from(flags & SYN != 0) + u32::from(flags & FIN != 0);
        let end = rel_seq.wrapping_add(length);
        if (end.wrapping_sub(me.next) as i32) > 0 {
            me.next = end;
        }
        let packet = segment.packet(&me.ip);
        self.packets.push(packet);
        self
    }

    /// SYN, SYN-ACK, ACK with the given options on the SYN and the SYN-ACK.
    pub fn handshake(&mut self, syn_options: Vec<u8>, syn_ack_options: Vec<u8>) -> &mut Self {
        self.send_with(Dir::C, SYN, 0, syn_options)
            .send_with(Dir::S, SYN | ACK, 0, syn_ack_options)
            .send(Dir::C, ACK, 0)
    }

    /// FIN from `closer`, its ACK, the peer's FIN, its ACK.
    pub fn teardown(&mut self, closer: Dir) -> &mut Self {
        let other = match closer {
            Dir::C => Dir::S,
            Dir::S => Dir::C,
        };
        self.send(closer, FIN | ACK, 0)
            .send(other, ACK, 0)
            .send(other, FIN | ACK, 0)
            .send(closer, ACK, 0)
    }
}
