//! One TCP connection being tracked: relative numbers, what each segment means, and both
//! endpoints' RFC 793 states after it.
//!
//! Semantics (the ladder and the lessons rely on them):
//! - Relative numbers as Wireshark shows them: a SYN's seq is relative 0; without a SYN the first
//!   segment seen from a side is relative 1, and a side first heard of through the peer's ACK gets
//!   base = ack − 1 (Wireshark's rule for captures that missed the handshake).
//! - States after a packet count it as sent and received at once (loopback delivers instantly).
//!   The one exception is proved by the wire: a FIN whose ACK does not cover the peer's earlier
//!   FIN was sent before that FIN arrived (simultaneous close), so its sender's recorded
//!   CLOSE-WAIT is rewritten to FIN-WAIT-1 in the flow's state path.
//! - Any RST ends the connection (both CLOSED); its window is not checked.

use super::annotation::{Annotation, Role, Unexpected};
use super::endpoint::{seq_diff, seq_ge, Endpoint, SeqPlace};
use super::flow_record::FlowRecord;
use super::history::Letter;
use super::state::TcpState;
use super::verdict::{EndpointStates, Notes, Verdict};
use crate::decode::TcpSegment;

/// Window scale shifts above 14 are treated as 14 (RFC 7323 §2.3).
const MAX_WINDOW_SCALE: u8 = 14;

/// How the capture first met a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Opening {
    /// A SYN without ACK: its sender is the client.
    Syn,
    /// A SYN-ACK: the capture missed the SYN, and the SYN-ACK's receiver is the client.
    SynAck,
    /// Anything else: the connection was already open, and the first sender is called the client.
    MidStream,
}

impl Opening {
    pub fn of(segment: &TcpSegment<'_>) -> Opening {
        let flags = segment.flags;
        if !flags.syn() || flags.fin() || flags.rst() {
            Opening::MidStream
        } else if flags.ack() {
            Opening::SynAck
        } else {
            Opening::Syn
        }
    }

    pub fn sender_is_client(self) -> bool {
        self != Opening::SynAck
    }
}

/// Which handshake segments were seen.
#[derive(Clone, Copy, Debug, Default)]
struct Handshake {
    syn: bool,
    syn_ack: bool,
    ack: bool,
}

/// Where a connection stands, for deciding when its tracking state may be forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Progress {
    /// SYN sent, handshake not finished.
    Opening,
    Open,
    /// Both FINs acknowledged, or reset.
    Finished,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct TcpConnection {
    client: Endpoint,
    server: Endpoint,
    opening: Opening,
    seen_first_segment: bool,
    handshake: Handshake,
    reset: bool,
    first_fin: Option<Role>,
}

impl TcpConnection {
    pub fn new(opening: Opening) -> Self {
        let mut connection = TcpConnection {
            client: Endpoint::default(),
            server: Endpoint::default(),
            opening,
            seen_first_segment: false,
            handshake: Handshake::default(),
            reset: false,
            first_fin: None,
        };
        match opening {
            Opening::Syn => {}
            // The SYN-ACK answers a SYN the capture missed.
            Opening::SynAck => connection.client.syn_sent = true,
            Opening::MidStream => {
                connection.client.synchronized = true;
                connection.server.synchronized = true;
            }
        }
        connection
    }

    pub fn progress(&self) -> Progress {
        if self.reset || (self.client.fin_acked && self.server.fin_acked) {
            Progress::Finished
        } else if self.client.synchronized || self.client.syn_acked {
            Progress::Open
        } else {
            Progress::Opening
        }
    }

    /// Whether `segment` opens a new connection on the same 4-tuple (port reuse) rather than
    /// belonging to this one: a SYN or SYN-ACK, not a repeat of the sender's own, after this
    /// connection finished; or a SYN with a new ISN while this connection's SYN is unanswered
    /// (the client gave up and tried again).
    pub fn starts_new_connection(&self, segment: &TcpSegment<'_>, from: Role) -> bool {
        let opening = Opening::of(segment);
        if opening == Opening::MidStream {
            return false;
        }
        let sender = self.side(from);
        if sender.syn_sent && sender.base() == Some(segment.seq) {
            return false;
        }
        let unanswered = opening == Opening::Syn
            && from == Role::Client
            && self.client.syn_sent
            && !self.server.syn_sent
            && !self.server.synchronized;
        self.progress() == Progress::Finished || unanswered
    }

    /// Frame number of the latest segment `from` sent.
    pub fn last_frame(&self, from: Role) -> Option<u64> {
        self.side(from).last_frame
    }

    fn side(&self, role: Role) -> &Endpoint {
        match role {
            Role::Client => &self.client,
            Role::Server => &self.server,
        }
    }

    /// Analyses one segment sent by `from`, updates `record`, and writes the TCP part of the
    /// verdict into `verdict` (which starts empty; the caller fills in `flow` and `new_flow`).
    /// Written in place rather than returned: a verdict is 168 bytes, and copying it on its way
    /// out cost more than some of the analysis.
    pub fn process(
        &mut self,
        segment: &TcpSegment<'_>,
        from: Role,
        frame: u64,
        record: &mut FlowRecord,
        verdict: &mut Verdict,
    ) {
        let flags = segment.flags;
        let (syn, fin, rst, ack) = (flags.syn(), flags.fin(), flags.rst(), flags.ack());
        let payload = segment.payload_len;
        let notes = &mut verdict.notes;
        let mut related = None;

        if !self.seen_first_segment {
            self.seen_first_segment = true;
            if self.opening != Opening::Syn {
                notes.push(Annotation::MidStream);
            }
        }
        record.count(from, payload);

        let was_reset = self.reset;
        let (me, peer) = match from {
            Role::Client => (&mut self.client, &mut self.server),
            Role::Server => (&mut self.server, &mut self.client),
        };
        me.learn_base_from_own(segment.seq, syn);
        if ack {
            peer.learn_base_from_peer_ack(segment.ack);
        }
        let rel_seq = me.relative(segment.seq);
        let rel_ack = ack.then(|| peer.relative(segment.ack));
        let seq_len = payload
            .wrapping_add(u32::from(syn))
            .wrapping_add(u32::from(fin));
        if syn && !rst && !fin && !me.syn_sent {
            // Taken from the side's first SYN only: a stray SYN later must not change the scaling.
            me.window_scale = segment
                .options
                .window_scale
                .map(|shift| shift.min(MAX_WINDOW_SCALE));
        }
        let scaled_window = match (syn, me.window_scale, peer.window_scale) {
            (false, Some(shift), Some(_)) => u32::from(segment.window) << shift,
            _ => u32::from(segment.window),
        };

        // Flag combinations no stack sends; a segment without ACK after the SYN is dropped by receivers.
        let invalid = (syn && (fin || rst)) || (fin && rst) || !(syn || ack || rst);
        if invalid {
            notes.push(Annotation::Unexpected {
                reason: Unexpected::InvalidFlags,
            });
        }

        let mut retransmitted_payload = false;
        let mut refused = false;
        if rst && !syn {
            let reason = if was_reset {
                Annotation::RstAfterClose { from }
            } else if !me.syn_sent && !me.synchronized && peer.syn_sent {
                refused = true;
                Annotation::RstRefused {
                    port: segment.src_port,
                }
            } else if me.fin.is_some() || peer.fin.is_some() {
                Annotation::RstAfterClose { from }
            } else {
                Annotation::RstAbort { from }
            };
            notes.push(reason);
            self.reset = true;
        } else if was_reset {
            notes.push(Annotation::Unexpected {
                reason: Unexpected::AfterClosed,
            });
        } else if !invalid {
            let outcome = analyse_segment(
                me,
                peer,
                &mut self.handshake,
                &mut self.first_fin,
                Segment {
                    from,
                    frame,
                    syn,
                    fin,
                    ack,
                    payload,
                    rel_seq,
                    rel_ack,
                    seq_len,
                    raw_ack: segment.ack,
                    window: segment.window,
                    scaled_window,
                },
                notes,
            );
            related = outcome.related;
            retransmitted_payload = outcome.retransmitted_payload;
        }

        let me = match from {
            Role::Client => &mut self.client,
            Role::Server => &mut self.server,
        };
        if ack {
            me.last_ack = Some(segment.ack);
        }
        me.last_window = Some(segment.window);
        me.last_frame = Some(frame);

        record_history(record, from, segment, retransmitted_payload, was_reset);
        let states = self.record_states(record, refused);

        verdict.from = Some(from);
        verdict.rel_seq = Some(rel_seq);
        verdict.rel_ack = rel_ack;
        verdict.rel_next_seq = Some(rel_seq.wrapping_add(seq_len));
        verdict.scaled_window = Some(scaled_window);
        verdict.states = Some(states);
        verdict.related_packet = related;
    }

    /// Derives both states, appends them to the flow's state paths, and updates the flow's outcome.
    fn record_states(&self, record: &mut FlowRecord, refused: bool) -> EndpointStates {
        let states = EndpointStates {
            client: self.client.state(&self.server, self.reset),
            server: self.server.state(&self.client, self.reset),
        };
        for (side, state) in [(Role::Client, states.client), (Role::Server, states.server)] {
            let path = record.states_mut(side);
            if refused && side == Role::Server && path.last() == Some(TcpState::SynReceived) {
                // Nothing listened: the server never left CLOSED, whatever the SYN suggested.
                path.replace_last(TcpState::Closed);
            }
            let active_close = matches!(
                state,
                TcpState::FinWait1 | TcpState::FinWait2 | TcpState::Closing | TcpState::TimeWait
            );
            if active_close && path.last() == Some(TcpState::CloseWait) {
                // Simultaneous close: this side sent its FIN before the peer's FIN reached it.
                path.replace_last(TcpState::FinWait1);
            }
            path.record(state);
        }
        record.final_states = Some(states);
        record.handshake_complete =
            self.handshake.syn && self.handshake.syn_ack && self.handshake.ack;
        record.closed_cleanly = self.client.fin_acked && self.server.fin_acked && !self.reset;
        record.active_closer = self.first_fin;
        states
    }
}

/// The parts of a segment the analysis reads, already made relative.
struct Segment {
    from: Role,
    frame: u64,
    syn: bool,
    fin: bool,
    ack: bool,
    payload: u32,
    rel_seq: u32,
    rel_ack: Option<u32>,
    seq_len: u32,
    raw_ack: u32,
    window: u16,
    scaled_window: u32,
}

struct Outcome {
    related: Option<u64>,
    retransmitted_payload: bool,
}

/// Everything about a valid, non-RST segment on a connection that was not reset:
/// SYN, the ACK field, its place in sequence space, FIN, and what a pure ACK means.
fn analyse_segment(
    me: &mut Endpoint,
    peer: &mut Endpoint,
    handshake: &mut Handshake,
    first_fin: &mut Option<Role>,
    seg: Segment,
    notes: &mut Notes,
) -> Outcome {
    let from = seg.from;
    let mut related = None;

    // A side that sends ACKs although its SYN was never seen had its SYN before the capture began.
    if !seg.syn && seg.ack && !me.syn_sent && !me.synchronized {
        me.synchronized = true;
    }

    if seg.syn {
        if me.synchronized || (me.syn_sent && seg.rel_seq != 0) {
            notes.push(Annotation::Unexpected {
                reason: Unexpected::SynOnEstablished,
            });
            // Receivers answer it with a challenge ACK (RFC 5961) and change nothing; so do we.
            return Outcome {
                related: None,
                retransmitted_payload: false,
            };
        } else if me.syn_sent {
            notes.push(if seg.ack {
                Annotation::SynAckRetransmission
            } else {
                Annotation::SynRetransmission
            });
            related = me.syn_frame;
        } else {
            me.syn_sent = true;
            me.syn_frame = Some(seg.frame);
            if seg.ack {
                handshake.syn_ack = true;
                notes.push(Annotation::HandshakeSynAck);
            } else {
                handshake.syn = true;
                notes.push(Annotation::HandshakeSyn);
            }
        }
    }

    let mut acked_peer_syn = false;
    let mut acked_peer_fin = false;
    if let Some(rel_ack) = seg.rel_ack {
        if seq_diff(rel_ack, peer.next_seq) > 0 {
            notes.push(Annotation::Unexpected {
                reason: Unexpected::AckOfUnsentData,
            });
            // The peer did send them (the capture missed them): do not complain again.
            peer.next_seq = rel_ack;
        }
        if peer.syn_sent && !peer.syn_acked && seq_ge(rel_ack, 1) {
            peer.syn_acked = true;
            acked_peer_syn = true;
        }
        if let Some(peer_fin) = peer.fin {
            if !peer.fin_acked && seq_ge(rel_ack, peer_fin.wrapping_add(1)) {
                peer.fin_acked = true;
                acked_peer_fin = true;
            }
        }
    }
    // The ACK of the peer's SYN from a side whose own SYN was seen (or implied by a SYN-ACK);
    // a side whose SYN the capture missed acknowledges the peer's SYN without completing anything.
    let completes_handshake = acked_peer_syn && !seg.syn && me.syn_sent;
    if completes_handshake {
        handshake.ack = true;
        notes.push(Annotation::HandshakeAck);
    }

    let plain = !seg.syn && !seg.fin;
    let place = me.place(seg.rel_seq, seg.seq_len, seg.payload, plain, seg.frame);
    let bytes = seg.payload;
    let data_after_fin = bytes > 0
        && me
            .fin
            .is_some_and(|fin| seq_diff(seg.rel_seq.wrapping_add(bytes), fin) > 0);
    if data_after_fin {
        notes.push(Annotation::Unexpected {
            reason: Unexpected::AfterFin,
        });
    }
    let mut retransmitted_payload = false;
    match place {
        SeqPlace::KeepAlive => notes.push(Annotation::KeepAlive { from }),
        SeqPlace::AheadOfGap => {
            notes.push(Annotation::OutOfOrder { from });
            if bytes > 0 {
                notes.push(Annotation::Data { from, bytes });
            }
        }
        SeqPlace::FillsGap if bytes > 0 => notes.push(Annotation::FillsGap { from, bytes }),
        SeqPlace::Retransmission if bytes > 0 => {
            retransmitted_payload = true;
            notes.push(Annotation::Retransmission { from, bytes });
            related = related.or(me.original_of(seg.rel_seq));
        }
        SeqPlace::InOrder if bytes > 0 => notes.push(Annotation::Data { from, bytes }),
        _ => {}
    }

    let mut ack_explained = false;
    if seg.fin {
        let fin_seq = seg.rel_seq.wrapping_add(bytes);
        match me.fin {
            Some(sent) if sent == fin_seq => {
                notes.push(Annotation::FinRetransmission { from });
                related = related.or(me.fin_frame);
            }
            Some(_) => {
                if !data_after_fin {
                    notes.push(Annotation::Unexpected {
                        reason: Unexpected::AfterFin,
                    });
                }
            }
            None => {
                me.fin = Some(fin_seq);
                me.fin_frame = Some(seg.frame);
                first_fin.get_or_insert(from);
                let covers_peer_fin = |peer_fin: u32| {
                    seg.rel_ack
                        .is_some_and(|rel_ack| seq_ge(rel_ack, peer_fin.wrapping_add(1)))
                };
                let note = match peer.fin {
                    None => {
                        me.fin_active = true;
                        Annotation::TeardownFin { from, step: 1 }
                    }
                    Some(peer_fin) if covers_peer_fin(peer_fin) => {
                        me.fin_active = false;
                        if acked_peer_fin {
                            ack_explained = true;
                            Annotation::TeardownFinAckPiggybacked { from }
                        } else {
                            Annotation::TeardownFin { from, step: 3 }
                        }
                    }
                    Some(_) => {
                        me.fin_active = true;
                        Annotation::SimultaneousFin { from }
                    }
                };
                notes.push(note);
            }
        }
    }
    if acked_peer_fin && !ack_explained {
        let step = if me.fin.is_some() { 4 } else { 2 };
        notes.push(Annotation::TeardownAck { from, step });
    }

    // Wireshark's zero-window rule: window 0 on a segment without SYN, FIN or RST.
    let zero_window = seg.window == 0 && plain;
    if zero_window {
        notes.push(Annotation::ZeroWindow { from });
    }
    let pure_ack = seg.ack && plain && bytes == 0;
    let already_explained = completes_handshake
        || acked_peer_fin
        || zero_window
        || matches!(place, SeqPlace::KeepAlive | SeqPlace::AheadOfGap);
    if pure_ack && !already_explained {
        let window_changed = me.last_window.is_some_and(|last| last != seg.window);
        if me.last_ack == Some(seg.raw_ack) && window_changed {
            notes.push(Annotation::WindowUpdate {
                from,
                window: seg.scaled_window,
            });
        } else {
            notes.push(Annotation::PureAck {
                from,
                acked: seg.rel_ack.unwrap_or(0),
            });
        }
    }

    Outcome {
        related,
        retransmitted_payload,
    }
}

/// Zeek's history letters for one segment (`history` module has the letters and the once-per-direction rule).
fn record_history(
    record: &mut FlowRecord,
    from: Role,
    segment: &TcpSegment<'_>,
    retransmitted_payload: bool,
    was_reset: bool,
) {
    let flags = segment.flags;
    let (syn, fin, rst) = (flags.syn(), flags.fin(), flags.rst());
    let history = &mut record.history;
    let control_bits = u8::from(syn) + u8::from(fin) + u8::from(rst);
    if control_bits > 1 {
        history.record(
            from,
            if fin && rst {
                Letter::FinRst
            } else {
                Letter::MultiFlag
            },
        );
    } else if syn {
        history.record(
            from,
            if flags.ack() {
                Letter::SynAck
            } else {
                Letter::Syn
            },
        );
    } else if fin {
        // As in Zeek, a FIN that carries data is recorded as F only.
        history.record(from, Letter::Fin);
    } else if rst {
        history.record(from, Letter::Rst);
    } else if segment.payload_len > 0 {
        history.record(from, Letter::Data);
    } else if flags.ack() {
        history.record(from, Letter::Ack);
    }
    if retransmitted_payload {
        history.record(from, Letter::Retransmission);
    }
    // Zeek ignores zero windows on SYNs and RSTs and after a reset.
    if segment.window == 0 && !syn && !rst && !was_reset {
        history.record(from, Letter::ZeroWindow);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_packets::{TcpTweaks, Wire, ACK, FIN, PSH, RST, SYN};
    use crate::analysis::Analyzer;
    use TcpState::*;

    fn notes(verdict: &Verdict) -> Vec<Annotation> {
        verdict.notes.iter().copied().collect()
    }

    fn states(verdict: &Verdict) -> (TcpState, TcpState) {
        let states = verdict.states.expect("TCP verdicts carry states");
        (states.client, states.server)
    }

    /// Client ISN 1000, server ISN 5000; returns the analyzer after the three handshake segments.
    fn handshake(wire: &mut Wire, analyzer: &mut Analyzer) -> [Verdict; 3] {
        [
            analyzer.process(&wire.client(SYN, 1000, 0, 0)),
            analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0)),
            analyzer.process(&wire.client(ACK, 1001, 5001, 0)),
        ]
    }

    #[test]
    fn three_way_handshake() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let [syn, syn_ack, ack] = handshake(&mut wire, &mut analyzer);
        assert_eq!(notes(&syn), [Annotation::HandshakeSyn]);
        assert_eq!(
            (syn.rel_seq, syn.rel_ack, syn.rel_next_seq),
            (Some(0), None, Some(1))
        );
        assert_eq!(states(&syn), (SynSent, SynReceived));
        assert!(syn.new_flow);
        assert_eq!(syn.from, Some(Role::Client));

        assert_eq!(notes(&syn_ack), [Annotation::HandshakeSynAck]);
        assert_eq!((syn_ack.rel_seq, syn_ack.rel_ack), (Some(0), Some(1)));
        assert_eq!(states(&syn_ack), (Established, SynReceived));
        assert_eq!(syn_ack.from, Some(Role::Server));
        assert!(!syn_ack.new_flow);

        assert_eq!(notes(&ack), [Annotation::HandshakeAck]);
        assert_eq!((ack.rel_seq, ack.rel_ack), (Some(1), Some(1)));
        assert_eq!(states(&ack), (Established, Established));
        assert_eq!(syn.flow, ack.flow);

        let flow = &analyzer.summary().flows[0];
        assert!(flow.handshake_complete);
        assert_eq!(flow.history, "ShA");
    }

    #[test]
    fn handshake_ack_carrying_data_is_also_data() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        let ack = analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 5));
        assert_eq!(
            notes(&ack),
            [
                Annotation::HandshakeAck,
                Annotation::Data {
                    from: Role::Client,
                    bytes: 5
                }
            ]
        );
        assert_eq!(ack.rel_next_seq, Some(6));
    }

    /// Handshake, 5 bytes each way with ACKs, then the four-segment teardown started by the client.
    #[test]
    fn data_and_four_segment_teardown() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let data = analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 5));
        assert_eq!(
            notes(&data),
            [Annotation::Data {
                from: Role::Client,
                bytes: 5
            }]
        );
        assert_eq!((data.rel_seq, data.rel_next_seq), (Some(1), Some(6)));
        let ack = analyzer.process(&wire.server(ACK, 5001, 1006, 0));
        assert_eq!(
            notes(&ack),
            [Annotation::PureAck {
                from: Role::Server,
                acked: 6
            }]
        );
        let reply = analyzer.process(&wire.server(PSH | ACK, 5001, 1006, 5));
        assert_eq!(reply.rel_seq, Some(1));
        analyzer.process(&wire.client(ACK, 1006, 5006, 0));

        let fin1 = analyzer.process(&wire.client(FIN | ACK, 1006, 5006, 0));
        assert_eq!(
            notes(&fin1),
            [Annotation::TeardownFin {
                from: Role::Client,
                step: 1
            }]
        );
        assert_eq!(states(&fin1), (FinWait1, CloseWait));
        assert_eq!(fin1.rel_next_seq, Some(7));
        let ack2 = analyzer.process(&wire.server(ACK, 5006, 1007, 0));
        assert_eq!(
            notes(&ack2),
            [Annotation::TeardownAck {
                from: Role::Server,
                step: 2
            }]
        );
        assert_eq!(states(&ack2), (FinWait2, CloseWait));
        let fin3 = analyzer.process(&wire.server(FIN | ACK, 5006, 1007, 0));
        assert_eq!(
            notes(&fin3),
            [Annotation::TeardownFin {
                from: Role::Server,
                step: 3
            }]
        );
        assert_eq!(states(&fin3), (TimeWait, LastAck));
        let ack4 = analyzer.process(&wire.client(ACK, 1007, 5007, 0));
        assert_eq!(
            notes(&ack4),
            [Annotation::TeardownAck {
                from: Role::Client,
                step: 4
            }]
        );
        assert_eq!(states(&ack4), (TimeWait, Closed));

        let flow = &analyzer.summary().flows[0];
        assert_eq!(flow.history, "ShADadFf");
        assert_eq!(
            flow.client_states,
            [SynSent, Established, FinWait1, FinWait2, TimeWait]
        );
        assert_eq!(
            flow.server_states,
            [SynReceived, Established, CloseWait, LastAck, Closed]
        );
        assert!(flow.closed_cleanly);
        assert_eq!(flow.active_closer, Some(Role::Client));
        assert_eq!(
            (flow.client_payload_bytes, flow.server_payload_bytes),
            (5, 5)
        );
        assert_eq!(flow.packets, 11);
    }

    #[test]
    fn three_segment_teardown_piggybacks_the_ack_on_the_fin() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(FIN | ACK, 1001, 5001, 0));
        let fin_ack = analyzer.process(&wire.server(FIN | ACK, 5001, 1002, 0));
        assert_eq!(
            notes(&fin_ack),
            [Annotation::TeardownFinAckPiggybacked { from: Role::Server }]
        );
        assert_eq!(states(&fin_ack), (TimeWait, LastAck));
        let last = analyzer.process(&wire.client(ACK, 1002, 5002, 0));
        assert_eq!(
            notes(&last),
            [Annotation::TeardownAck {
                from: Role::Client,
                step: 4
            }]
        );
        assert_eq!(states(&last), (TimeWait, Closed));
        let flow = &analyzer.summary().flows[0];
        assert_eq!(
            flow.client_states,
            [SynSent, Established, FinWait1, TimeWait]
        );
        assert_eq!(
            flow.server_states,
            [SynReceived, Established, CloseWait, LastAck, Closed]
        );
        assert!(flow.closed_cleanly);
        assert_eq!(flow.history, "ShAFf");
    }

    #[test]
    fn simultaneous_close_goes_through_closing_on_both_sides() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let fin_a = analyzer.process(&wire.client(FIN | ACK, 1001, 5001, 0));
        assert_eq!(
            states(&fin_a),
            (FinWait1, CloseWait),
            "provisional until B's FIN shows otherwise"
        );
        // The server's FIN acknowledges only the handshake: it had not seen the client's FIN.
        let fin_b = analyzer.process(&wire.server(FIN | ACK, 5001, 1001, 0));
        assert_eq!(
            notes(&fin_b),
            [Annotation::SimultaneousFin { from: Role::Server }]
        );
        assert_eq!(states(&fin_b), (Closing, Closing));
        let ack_a = analyzer.process(&wire.client(ACK, 1002, 5002, 0));
        assert_eq!(
            notes(&ack_a),
            [Annotation::TeardownAck {
                from: Role::Client,
                step: 4
            }]
        );
        assert_eq!(states(&ack_a), (Closing, TimeWait));
        let ack_b = analyzer.process(&wire.server(ACK, 5002, 1002, 0));
        assert_eq!(states(&ack_b), (TimeWait, TimeWait));
        let flow = &analyzer.summary().flows[0];
        assert_eq!(
            flow.client_states,
            [SynSent, Established, FinWait1, Closing, TimeWait]
        );
        assert_eq!(
            flow.server_states,
            [SynReceived, Established, FinWait1, Closing, TimeWait],
            "the server's CLOSE-WAIT was rewritten"
        );
        assert!(flow.closed_cleanly);
        assert_eq!(flow.active_closer, Some(Role::Client));
    }

    #[test]
    fn half_close_lets_the_peer_keep_sending() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(FIN | ACK, 1001, 5001, 0)); // shutdown(SHUT_WR)
        let data_ack = analyzer.process(&wire.server(PSH | ACK, 5001, 1002, 5));
        assert_eq!(
            notes(&data_ack),
            [
                Annotation::Data {
                    from: Role::Server,
                    bytes: 5
                },
                Annotation::TeardownAck {
                    from: Role::Server,
                    step: 2
                }
            ]
        );
        assert_eq!(states(&data_ack), (FinWait2, CloseWait));
        let more = analyzer.process(&wire.server(PSH | ACK, 5006, 1002, 3));
        assert_eq!(more.rel_seq, Some(6));
        let ack = analyzer.process(&wire.client(ACK, 1002, 5009, 0));
        assert_eq!(
            notes(&ack),
            [Annotation::PureAck {
                from: Role::Client,
                acked: 9
            }]
        );
        assert_eq!(states(&ack), (FinWait2, CloseWait));
        let fin = analyzer.process(&wire.server(FIN | ACK, 5009, 1002, 0));
        assert_eq!(
            notes(&fin),
            [Annotation::TeardownFin {
                from: Role::Server,
                step: 3
            }]
        );
        assert_eq!(states(&fin), (TimeWait, LastAck));
        let last = analyzer.process(&wire.client(ACK, 1002, 5010, 0));
        assert_eq!(states(&last), (TimeWait, Closed));
        let flow = &analyzer.summary().flows[0];
        assert_eq!(flow.history, "ShAFdf");
        assert_eq!(flow.server_payload_bytes, 8);
        assert!(flow.closed_cleanly);
    }

    #[test]
    fn refused_connection() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let syn = analyzer.process(&wire.client(SYN, 1000, 0, 0));
        assert_eq!(states(&syn), (SynSent, SynReceived));
        let rst = analyzer.process(&wire.server(RST | ACK, 0, 1001, 0));
        assert_eq!(notes(&rst), [Annotation::RstRefused { port: 8080 }]);
        assert_eq!(states(&rst), (Closed, Closed));
        assert_eq!(rst.rel_ack, Some(1));
        let flow = &analyzer.summary().flows[0];
        assert_eq!(flow.client_states, [SynSent, Closed]);
        assert_eq!(flow.server_states, [Closed], "nothing listened");
        assert_eq!(flow.history, "Sr");
        assert!(!flow.closed_cleanly && !flow.handshake_complete);
    }

    #[test]
    fn abort_mid_stream_after_data() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 5));
        let rst = analyzer.process(&wire.server(RST | ACK, 5001, 1006, 0));
        assert_eq!(notes(&rst), [Annotation::RstAbort { from: Role::Server }]);
        assert_eq!(states(&rst), (Closed, Closed));
        let late = analyzer.process(&wire.client(PSH | ACK, 1006, 5001, 2));
        assert_eq!(
            notes(&late),
            [Annotation::Unexpected {
                reason: Unexpected::AfterClosed
            }]
        );
        let again = analyzer.process(&wire.server(RST, 5001, 0, 0));
        assert_eq!(
            notes(&again),
            [Annotation::RstAfterClose { from: Role::Server }]
        );
        let flow = &analyzer.summary().flows[0];
        assert_eq!(flow.history, "ShADr");
        assert!(!flow.closed_cleanly);
        assert_eq!(flow.final_states.map(|s| s.client), Some(Closed));
    }

    #[test]
    fn rst_after_fins_is_after_close() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(FIN | ACK, 1001, 5001, 0));
        analyzer.process(&wire.server(PSH | ACK, 5001, 1002, 4));
        let rst = analyzer.process(&wire.client(RST, 1002, 0, 0));
        assert_eq!(
            notes(&rst),
            [Annotation::RstAfterClose { from: Role::Client }]
        );
        assert_eq!(states(&rst), (Closed, Closed));
        assert_eq!(rst.rel_ack, None, "no ACK flag, no relative ack");
    }

    #[test]
    fn retransmitted_syn_links_to_the_first() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        let again = analyzer.process(&wire.client(SYN, 1000, 0, 0));
        assert_eq!(notes(&again), [Annotation::SynRetransmission]);
        assert_eq!(again.related_packet, Some(1));
        assert!(!again.new_flow);
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        let syn_ack_again = analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        assert_eq!(notes(&syn_ack_again), [Annotation::SynAckRetransmission]);
        assert_eq!(syn_ack_again.related_packet, Some(3));
        let summary = analyzer.summary();
        assert_eq!(summary.flows.len(), 1);
        assert_eq!(summary.flows[0].history, "Sh");
    }

    #[test]
    fn a_new_syn_after_a_finished_connection_is_a_new_flow() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let first = analyzer.process(&wire.client(SYN, 1000, 0, 0));
        analyzer.process(&wire.server(RST | ACK, 0, 1001, 0));
        let retry = analyzer.process(&wire.client(SYN, 9000, 0, 0));
        assert!(retry.new_flow);
        assert_ne!(first.flow, retry.flow);
        assert_eq!(retry.flow.map(|id| id.index), Some(1));
        assert_eq!(notes(&retry), [Annotation::HandshakeSyn]);
    }

    #[test]
    fn fin_with_data() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let fin = analyzer.process(&wire.client(FIN | PSH | ACK, 1001, 5001, 5));
        assert_eq!(
            notes(&fin),
            [
                Annotation::Data {
                    from: Role::Client,
                    bytes: 5
                },
                Annotation::TeardownFin {
                    from: Role::Client,
                    step: 1
                }
            ]
        );
        assert_eq!(fin.rel_next_seq, Some(7));
        let ack = analyzer.process(&wire.server(ACK, 5001, 1007, 0));
        assert_eq!(
            notes(&ack),
            [Annotation::TeardownAck {
                from: Role::Server,
                step: 2
            }]
        );
        let again = analyzer.process(&wire.client(FIN | ACK, 1006, 5001, 0));
        assert_eq!(
            notes(&again),
            [Annotation::FinRetransmission { from: Role::Client }]
        );
        assert_eq!(again.related_packet, Some(4));
        let late = analyzer.process(&wire.client(PSH | ACK, 1007, 5001, 3));
        assert_eq!(
            notes(&late)[0],
            Annotation::Unexpected {
                reason: Unexpected::AfterFin
            }
        );
        // The FIN with data gave F only, as in Zeek; the D is the late data after it.
        assert_eq!(analyzer.summary().flows[0].history, "ShAFaD");
    }

    #[test]
    fn window_update_and_zero_window() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 100));
        let full = analyzer.process(&wire.server(ACK, 5001, 1101, 0).window(0));
        assert_eq!(
            notes(&full),
            [Annotation::ZeroWindow { from: Role::Server }]
        );
        assert_eq!(full.scaled_window, Some(0));
        let open = analyzer.process(&wire.server(ACK, 5001, 1101, 0).window(4096));
        assert_eq!(
            notes(&open),
            [Annotation::WindowUpdate {
                from: Role::Server,
                window: 4096
            }]
        );
        let duplicate = analyzer.process(&wire.server(ACK, 5001, 1101, 0).window(4096));
        assert_eq!(
            notes(&duplicate),
            [Annotation::PureAck {
                from: Role::Server,
                acked: 101
            }]
        );
        assert_eq!(analyzer.summary().flows[0].history, "ShADaw");
    }

    #[test]
    fn retransmission_and_out_of_order() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 10)); // frame 4
        let again = analyzer.process(&wire.client(PSH | ACK, 1001, 5001, 10));
        assert_eq!(
            notes(&again),
            [Annotation::Retransmission {
                from: Role::Client,
                bytes: 10
            }]
        );
        assert_eq!(again.related_packet, Some(4));
        // Bytes 11..21 are skipped: the next segment starts at relative 21.
        let ahead = analyzer.process(&wire.client(PSH | ACK, 1021, 5001, 10));
        assert_eq!(
            notes(&ahead),
            [
                Annotation::OutOfOrder { from: Role::Client },
                Annotation::Data {
                    from: Role::Client,
                    bytes: 10
                }
            ]
        );
        let late = analyzer.process(&wire.client(PSH | ACK, 1011, 5001, 10));
        assert_eq!(
            notes(&late),
            [Annotation::FillsGap {
                from: Role::Client,
                bytes: 10
            }]
        );
        let ack = analyzer.process(&wire.server(ACK, 5001, 1031, 0));
        assert_eq!(ack.rel_ack, Some(31));
        assert_eq!(analyzer.summary().flows[0].history, "ShADTa");
    }

    #[test]
    fn keep_alive_probe() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let probe = analyzer.process(&wire.client(ACK, 1000, 5001, 0));
        assert_eq!(
            notes(&probe),
            [Annotation::KeepAlive { from: Role::Client }]
        );
        assert_eq!(probe.rel_seq, Some(0));
        let answer = analyzer.process(&wire.server(ACK, 5001, 1001, 0));
        assert_eq!(
            notes(&answer),
            [Annotation::PureAck {
                from: Role::Server,
                acked: 1
            }]
        );
    }

    #[test]
    fn mid_stream_start_counts_from_one() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let first = analyzer.process(&wire.client(PSH | ACK, 700_000, 900_000, 5));
        assert_eq!(
            notes(&first),
            [
                Annotation::MidStream,
                Annotation::Data {
                    from: Role::Client,
                    bytes: 5
                }
            ]
        );
        assert_eq!((first.rel_seq, first.rel_ack), (Some(1), Some(1)));
        assert_eq!(states(&first), (Established, Established));
        let reply = analyzer.process(&wire.server(PSH | ACK, 900_000, 700_005, 3));
        assert_eq!((reply.rel_seq, reply.rel_ack), (Some(1), Some(6)));
        assert_eq!(
            notes(&reply),
            [Annotation::Data {
                from: Role::Server,
                bytes: 3
            }]
        );
        let fin = analyzer.process(&wire.client(FIN | ACK, 700_005, 900_003, 0));
        assert_eq!(states(&fin), (FinWait1, CloseWait));
        let flow = &analyzer.summary().flows[0];
        assert!(!flow.handshake_complete);
        assert_eq!(flow.history, "DdF");
    }

    #[test]
    fn syn_ack_first_makes_its_receiver_the_client() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let syn_ack = analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        assert_eq!(syn_ack.from, Some(Role::Server));
        assert_eq!(
            notes(&syn_ack),
            [Annotation::MidStream, Annotation::HandshakeSynAck]
        );
        assert_eq!((syn_ack.rel_seq, syn_ack.rel_ack), (Some(0), Some(1)));
        assert_eq!(states(&syn_ack), (Established, SynReceived));
        let ack = analyzer.process(&wire.client(ACK, 1001, 5001, 0));
        assert_eq!(notes(&ack), [Annotation::HandshakeAck]);
        let summary = analyzer.summary();
        let info = summary.flows[0].info;
        assert_eq!(info.client.port(), 40000);
        assert_eq!(summary.flows[0].history, "^hA");
    }

    #[test]
    fn a_missed_syn_ack_still_leads_to_established() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        analyzer.process(&wire.client(SYN, 1000, 0, 0));
        // The SYN-ACK was not captured; the server's first segment seen carries data.
        let data = analyzer.process(&wire.server(PSH | ACK, 5001, 1001, 4));
        assert_eq!(
            notes(&data),
            [Annotation::Data {
                from: Role::Server,
                bytes: 4
            }]
        );
        assert_eq!((data.rel_seq, data.rel_ack), (Some(1), Some(1)));
        assert_eq!(states(&data), (Established, Established));
        let ack = analyzer.process(&wire.client(ACK, 1001, 5005, 0));
        assert_eq!(ack.rel_ack, Some(5));
        assert!(!analyzer.summary().flows[0].handshake_complete);
    }

    #[test]
    fn a_syn_ack_after_a_finished_connection_is_a_new_flow() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let first = analyzer.process(&wire.client(PSH | ACK, 10, 20, 1));
        analyzer.process(&wire.server(RST, 20, 0, 0));
        let syn_ack = analyzer.process(&wire.server(SYN | ACK, 777, 4001, 0));
        assert!(syn_ack.new_flow);
        assert_ne!(syn_ack.flow, first.flow);
        assert_eq!(
            notes(&syn_ack),
            [Annotation::MidStream, Annotation::HandshakeSynAck]
        );
    }

    #[test]
    fn isn_near_u32_max_wraps() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let client_isn = u32::MAX - 2;
        let server_isn = u32::MAX;
        analyzer.process(&wire.client(SYN, client_isn, 0, 0));
        let syn_ack =
            analyzer.process(&wire.server(SYN | ACK, server_isn, client_isn.wrapping_add(1), 0));
        assert_eq!(syn_ack.rel_ack, Some(1));
        analyzer.process(&wire.client(ACK, client_isn.wrapping_add(1), 0, 0));
        let data = analyzer.process(&wire.client(PSH | ACK, client_isn.wrapping_add(1), 0, 10));
        assert_eq!((data.rel_seq, data.rel_next_seq), (Some(1), Some(11)));
        assert_eq!(
            notes(&data),
            [Annotation::Data {
                from: Role::Client,
                bytes: 10
            }]
        );
        let ack = analyzer.process(&wire.server(ACK, 0, client_isn.wrapping_add(11), 0));
        assert_eq!((ack.rel_seq, ack.rel_ack), (Some(1), Some(11)));
        assert_eq!(
            notes(&ack),
            [Annotation::PureAck {
                from: Role::Server,
                acked: 11
            }]
        );
        let fin = analyzer.process(&wire.client(FIN | ACK, 8, 0, 0));
        assert_eq!(fin.rel_seq, Some(11));
        let fin_ack = analyzer.process(&wire.server(FIN | ACK, 0, 9, 0));
        assert_eq!(
            notes(&fin_ack),
            [Annotation::TeardownFinAckPiggybacked { from: Role::Server }]
        );
        assert_eq!(states(&fin_ack), (TimeWait, LastAck));
    }

    #[test]
    fn window_scale_applies_once_both_syns_carry_it() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        let syn = analyzer.process(&wire.client(SYN, 1000, 0, 0).window(65535).wscale(7));
        assert_eq!(
            syn.scaled_window,
            Some(65535),
            "a SYN's window is never scaled"
        );
        let syn_ack = analyzer.process(
            &wire
                .server(SYN | ACK, 5000, 1001, 0)
                .window(65483)
                .wscale(7),
        );
        assert_eq!(syn_ack.scaled_window, Some(65483));
        let ack = analyzer.process(&wire.client(ACK, 1001, 5001, 0).window(512));
        assert_eq!(ack.scaled_window, Some(512 << 7));
        let server_ack = analyzer.process(&wire.server(ACK, 5001, 1001, 0).window(500).wscale(14));
        assert_eq!(
            server_ack.scaled_window,
            Some(500 << 7),
            "options outside SYNs do not matter"
        );

        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        analyzer.process(&wire.client(SYN, 1000, 0, 0).wscale(7));
        analyzer.process(&wire.server(SYN | ACK, 5000, 1001, 0));
        let ack = analyzer.process(&wire.client(ACK, 1001, 5001, 0).window(512));
        assert_eq!(ack.scaled_window, Some(512), "only one SYN offered scaling");
    }

    #[test]
    fn invalid_flags_are_explained_and_change_nothing() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let odd = analyzer.process(&wire.client(SYN | FIN, 1001, 0, 0));
        assert_eq!(
            notes(&odd),
            [Annotation::Unexpected {
                reason: Unexpected::InvalidFlags
            }]
        );
        assert_eq!(states(&odd), (Established, Established));
        let null = analyzer.process(&wire.client(0, 1001, 0, 0));
        assert_eq!(
            notes(&null),
            [Annotation::Unexpected {
                reason: Unexpected::InvalidFlags
            }]
        );
        let syn = analyzer.process(&wire.server(SYN, 7777, 0, 0));
        assert_eq!(
            notes(&syn),
            [Annotation::Unexpected {
                reason: Unexpected::SynOnEstablished
            }]
        );
        assert_eq!(analyzer.summary().flows[0].history, "ShAQ");
    }

    #[test]
    fn ack_of_unsent_data_is_flagged_once() {
        let (mut wire, mut analyzer) = (Wire::v4(), Analyzer::new());
        handshake(&mut wire, &mut analyzer);
        let odd = analyzer.process(&wire.server(ACK, 5001, 1101, 0));
        assert_eq!(
            notes(&odd)[0],
            Annotation::Unexpected {
                reason: Unexpected::AckOfUnsentData
            }
        );
        let again = analyzer.process(&wire.server(ACK, 5001, 1101, 0));
        assert_eq!(
            notes(&again),
            [Annotation::PureAck {
                from: Role::Server,
                acked: 101
            }]
        );
    }

    #[test]
    fn opening_is_read_from_the_flags() {
        let mut wire = Wire::v4();
        let seg = |p: &crate::decode::Packet<'static>| *p.tcp().unwrap();
        assert_eq!(Opening::of(&seg(&wire.client(SYN, 1, 0, 0))), Opening::Syn);
        assert_eq!(
            Opening::of(&seg(&wire.client(SYN | ACK, 1, 0, 0))),
            Opening::SynAck
        );
        assert_eq!(
            Opening::of(&seg(&wire.client(SYN | RST, 1, 0, 0))),
            Opening::MidStream
        );
        assert!(!Opening::SynAck.sender_is_client());
        let connection = TcpConnection::new(Opening::MidStream);
        assert_eq!(connection.progress(), Progress::Open);
        assert_eq!(
            TcpConnection::new(Opening::Syn).progress(),
            Progress::Opening
        );
    }
}
