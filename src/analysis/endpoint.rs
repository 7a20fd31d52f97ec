//! One side of a TCP connection: the facts its own segments and its peer's ACKs establish
//! (ISN, highest sequence number sent, SYN and FIN sent and acknowledged), and the RFC 793
//! state those facts imply.
//!
//! States are derived from facts rather than stepped through transitions, so an odd capture
//! (a segment missing, a handshake not seen) cannot leave a side stuck in a state it left.
//! Convention: a packet counts as sent *and received* the moment it is captured (loopback
//! delivers instantly), except where the packet itself proves otherwise (simultaneous close).

use super::state::TcpState;

/// How many recent data segments each side remembers, to name the original a retransmission repeats.
const RECENT_SEGMENTS: usize = 4;

/// `a - b` in sequence space: positive when `a` is after `b` (RFC 1982 serial arithmetic).
pub(super) fn seq_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// `a` is at or after `b` in sequence space.
pub(super) fn seq_ge(a: u32, b: u32) -> bool {
    seq_diff(a, b) >= 0
}

/// What a segment's place in the sender's sequence space says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SeqPlace {
    /// Occupies no sequence space and is not a keep-alive (a pure ACK, a RST).
    Empty,
    /// Starts exactly at the next expected byte.
    InOrder,
    /// Starts beyond the next expected byte: something before it is missing.
    AheadOfGap,
    /// Lies inside the gap an earlier out-of-order segment left.
    FillsGap,
    /// Starts before the next expected byte: it was sent before.
    Retransmission,
    /// Sequence number one below the next byte, at most one byte: a keep-alive probe.
    KeepAlive,
}

/// One side's facts. Relative numbers count from `base` (the ISN when the SYN was seen).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Endpoint {
    /// The raw sequence number that is relative 0, once known.
    base: Option<u32>,
    /// Relative sequence number just after the highest byte this side has sent (SYN and FIN count one).
    pub next_seq: u32,
    /// This side sent a SYN (or its SYN is implied by a SYN-ACK answering it).
    pub syn_sent: bool,
    /// Frame number of the first SYN, to link retransmissions to it.
    pub syn_frame: Option<u64>,
    /// The peer acknowledged this side's SYN.
    pub syn_acked: bool,
    /// The capture missed this side's SYN, so it is taken as synchronized from the start.
    pub synchronized: bool,
    /// Relative sequence number of this side's FIN.
    pub fin: Option<u32>,
    pub fin_frame: Option<u64>,
    /// The peer acknowledged this side's FIN.
    pub fin_acked: bool,
    /// This side sent its FIN before receiving the peer's: an active closer (FIN-WAIT, CLOSING, TIME-WAIT).
    pub fin_active: bool,
    /// Window scale shift from this side's SYN options (capped at 14, RFC 7323).
    pub window_scale: Option<u8>,
    /// Raw ACK number and window of this side's previous segment, to spot window updates.
    pub last_ack: Option<u32>,
    pub last_window: Option<u16>,
    /// Frame number of this side's latest segment, for ICMP errors that quote it.
    pub last_frame: Option<u64>,
    /// (relative seq, frame) of the latest data segments, oldest overwritten first.
    recent: [(u32, u64); RECENT_SEGMENTS],
    recent_len: u8,
    recent_next: u8,
    /// The gap [start, end) an out-of-order segment left, until it is filled.
    hole: Option<(u32, u32)>,
}

impl Endpoint {
    pub fn base(&self) -> Option<u32> {
        self.base
    }

    /// Fixes relative 0 from this side's first segment, as Wireshark does: a SYN's seq is the ISN
    /// (relative 0); any other first segment is taken to start at relative 1.
    pub fn learn_base_from_own(&mut self, seq: u32, syn: bool) {
        if self.base.is_none() {
            let base = if syn { seq } else { seq.wrapping_sub(1) };
            self.base = Some(base);
            self.next_seq = seq.wrapping_sub(base);
        }
    }

    /// Fixes relative 0 from the peer's ACK before this side was heard (Wireshark: base = ack − 1),
    /// so the ACK reads 1 and this side's next byte is relative 1.
    pub fn learn_base_from_peer_ack(&mut self, ack: u32) {
        if self.base.is_none() {
            self.base = Some(ack.wrapping_sub(1));
            self.next_seq = 1;
        }
    }

    /// `raw` relative to this side's base (0 until the base is known).
    pub fn relative(&self, raw: u32) -> u32 {
        raw.wrapping_sub(self.base.unwrap_or(raw))
    }

    /// Places a segment of `len` sequence numbers (payload + SYN + FIN) carrying `payload` bytes,
    /// and advances what this side has sent. `plain` means no SYN, FIN or RST (only those can be keep-alives).
    pub fn place(
        &mut self,
        rel_seq: u32,
        len: u32,
        payload: u32,
        plain: bool,
        frame: u64,
    ) -> SeqPlace {
        let end = rel_seq.wrapping_add(len);
        let ahead = seq_diff(rel_seq, self.next_seq);
        let keep_alive = plain && payload <= 1 && ahead == -1;
        let place = if keep_alive {
            SeqPlace::KeepAlive
        } else if ahead > 0 {
            self.hole = Some((self.next_seq, rel_seq));
            SeqPlace::AheadOfGap
        } else if len == 0 {
            SeqPlace::Empty
        } else if ahead == 0 {
            SeqPlace::InOrder
        } else if self.fills_hole(rel_seq, end) {
            SeqPlace::FillsGap
        } else {
            SeqPlace::Retransmission
        };
        if seq_diff(end, self.next_seq) > 0 && place != SeqPlace::KeepAlive {
            self.next_seq = end;
        }
        if payload > 0 && matches!(place, SeqPlace::InOrder | SeqPlace::AheadOfGap) {
            self.remember(rel_seq, frame);
        }
        place
    }

    /// Whether [start, end) lies inside the open gap; shrinks the gap by what it fills.
    fn fills_hole(&mut self, start: u32, end: u32) -> bool {
        let Some((hole_start, hole_end)) = self.hole else {
            return false;
        };
        if !(seq_ge(start, hole_start) && seq_ge(hole_end, end)) {
            return false;
        }
        self.hole = if start == hole_start && end == hole_end {
            None
        } else if start == hole_start {
            Some((end, hole_end))
        } else if end == hole_end {
            Some((hole_start, start))
        } else {
            // Filled in the middle: keep the larger remaining piece; a capture this odd only
            // risks calling a later piece a retransmission.
            if seq_diff(start, hole_start) >= seq_diff(hole_end, end) {
                Some((hole_start, start))
            } else {
                Some((end, hole_end))
            }
        };
        true
    }

    fn remember(&mut self, rel_seq: u32, frame: u64) {
        let slot = self.recent_next as usize % RECENT_SEGMENTS;
        self.recent[slot] = (rel_seq, frame);
        self.recent_next = ((slot + 1) % RECENT_SEGMENTS) as u8;
        self.recent_len = (self.recent_len + 1).min(RECENT_SEGMENTS as u8);
    }

    /// The frame that first carried data starting at `rel_seq`, if it is among the recent ones.
    pub fn original_of(&self, rel_seq: u32) -> Option<u64> {
        self.recent[..self.recent_len as usize]
            .iter()
            .find(|(seq, _)| *seq == rel_seq)
            .map(|&(_, frame)| frame)
    }

    /// Past the handshake: either its SYN was acknowledged after the peer's SYN arrived, or the
    /// capture started after the handshake.
    fn is_synchronized(&self, peer: &Endpoint) -> bool {
        self.synchronized || (self.syn_sent && self.syn_acked && peer.has_sent_syn())
    }

    fn has_sent_syn(&self) -> bool {
        self.syn_sent || self.synchronized
    }

    /// This side's RFC 793 state, given the peer's facts and whether a RST ended the connection.
    pub fn state(&self, peer: &Endpoint, reset: bool) -> TcpState {
        if reset {
            return TcpState::Closed;
        }
        if !self.is_synchronized(peer) {
            return match (self.has_sent_syn(), peer.has_sent_syn()) {
                (false, false) => TcpState::Closed,
                // Received a SYN (loopback: the moment it was sent), or answered it with a SYN-ACK
                // that is not acknowledged yet, or both sides sent a SYN (simultaneous open).
                (false, true) | (true, true) => TcpState::SynReceived,
                (true, false) => TcpState::SynSent,
            };
        }
        let peer_fin = peer.fin.is_some();
        match self.fin {
            None if peer_fin => TcpState::CloseWait,
            None => TcpState::Established,
            Some(_) if self.fin_active => match (peer_fin, self.fin_acked) {
                (false, false) => TcpState::FinWait1,
                (false, true) => TcpState::FinWait2,
                (true, false) => TcpState::Closing,
                (true, true) => TcpState::TimeWait,
            },
            Some(_) if self.fin_acked => TcpState::Closed,
            Some(_) => TcpState::LastAck,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_arithmetic_wraps() {
        assert!(seq_ge(5, u32::MAX - 5));
        assert!(!seq_ge(u32::MAX - 5, 5));
        assert_eq!(seq_diff(2, u32::MAX), 3);
    }

    #[test]
    fn base_from_syn_is_the_isn_and_otherwise_the_first_byte_is_one() {
        let mut syn_side = Endpoint::default();
        syn_side.learn_base_from_own(u32::MAX - 1, true);
        assert_eq!(syn_side.relative(u32::MAX - 1), 0);
        assert_eq!(syn_side.relative(u32::MAX), 1);
        assert_eq!(syn_side.relative(3), 5, "wraps past u32::MAX");

        let mut mid_stream = Endpoint::default();
        mid_stream.learn_base_from_own(1000, false);
        assert_eq!(mid_stream.relative(1000), 1);
        mid_stream.learn_base_from_own(5000, true);
        assert_eq!(mid_stream.relative(1000), 1, "the base is fixed once");

        let mut heard_of = Endpoint::default();
        heard_of.learn_base_from_peer_ack(7);
        assert_eq!(heard_of.relative(7), 1);
        assert_eq!(heard_of.next_seq, 1);
    }

    #[test]
    fn placing_segments_finds_order_gaps_and_repeats() {
        let mut side = Endpoint::default();
        side.learn_base_from_own(100, true);
        assert_eq!(side.place(0, 1, 0, false, 1), SeqPlace::InOrder); // SYN
        assert_eq!(side.place(1, 5, 5, true, 3), SeqPlace::InOrder);
        assert_eq!(side.next_seq, 6);
        assert_eq!(side.place(1, 5, 5, true, 4), SeqPlace::Retransmission);
        assert_eq!(side.original_of(1), Some(3));
        assert_eq!(side.place(11, 5, 5, true, 5), SeqPlace::AheadOfGap);
        assert_eq!(side.next_seq, 16);
        assert_eq!(side.place(6, 3, 3, true, 6), SeqPlace::FillsGap);
        assert_eq!(side.place(9, 2, 2, true, 7), SeqPlace::FillsGap);
        assert_eq!(
            side.place(6, 3, 3, true, 8),
            SeqPlace::Retransmission,
            "gap closed"
        );
        assert_eq!(side.place(16, 0, 0, true, 9), SeqPlace::Empty);
        assert_eq!(side.place(15, 0, 0, true, 10), SeqPlace::KeepAlive);
        assert_eq!(side.place(15, 1, 1, true, 11), SeqPlace::KeepAlive);
        assert_eq!(side.next_seq, 16, "a keep-alive sends nothing new");
        assert_eq!(
            side.place(15, 1, 0, false, 12),
            SeqPlace::Retransmission,
            "a FIN is never a keep-alive"
        );
    }

    #[test]
    fn the_ring_forgets_old_segments() {
        let mut side = Endpoint::default();
        side.learn_base_from_own(0, false);
        for n in 0..6u32 {
            side.place(1 + n * 10, 10, 10, true, u64::from(n) + 1);
        }
        assert_eq!(side.original_of(1), None);
        assert_eq!(side.original_of(51), Some(6));
        assert_eq!(side.original_of(21), Some(3));
    }

    fn synchronized_pair() -> (Endpoint, Endpoint) {
        let mut a = Endpoint::default();
        let mut b = Endpoint::default();
        a.syn_sent = true;
        b.syn_sent = true;
        a.syn_acked = true;
        b.syn_acked = true;
        (a, b)
    }

    #[test]
    fn handshake_states() {
        let mut client = Endpoint::default();
        let mut server = Endpoint::default();
        client.syn_sent = true;
        assert_eq!(client.state(&server, false), TcpState::SynSent);
        assert_eq!(server.state(&client, false), TcpState::SynReceived);
        server.syn_sent = true;
        client.syn_acked = true;
        assert_eq!(client.state(&server, false), TcpState::Established);
        assert_eq!(server.state(&client, false), TcpState::SynReceived);
        server.syn_acked = true;
        assert_eq!(server.state(&client, false), TcpState::Established);
        assert_eq!(server.state(&client, true), TcpState::Closed);
    }

    #[test]
    fn teardown_states_follow_fins_and_their_acks() {
        let (mut active, mut passive) = synchronized_pair();
        active.fin = Some(10);
        active.fin_active = true;
        assert_eq!(active.state(&passive, false), TcpState::FinWait1);
        assert_eq!(passive.state(&active, false), TcpState::CloseWait);
        active.fin_acked = true;
        assert_eq!(active.state(&passive, false), TcpState::FinWait2);
        passive.fin = Some(20);
        assert_eq!(passive.state(&active, false), TcpState::LastAck);
        assert_eq!(active.state(&passive, false), TcpState::TimeWait);
        passive.fin_acked = true;
        assert_eq!(passive.state(&active, false), TcpState::Closed);
    }

    #[test]
    fn simultaneous_close_passes_through_closing() {
        let (mut a, mut b) = synchronized_pair();
        a.fin = Some(1);
        a.fin_active = true;
        b.fin = Some(1);
        b.fin_active = true;
        assert_eq!(a.state(&b, false), TcpState::Closing);
        assert_eq!(b.state(&a, false), TcpState::Closing);
        b.fin_acked = true;
        assert_eq!(b.state(&a, false), TcpState::TimeWait);
        assert_eq!(a.state(&b, false), TcpState::Closing);
    }
}
