//! One direction of a TCP connection as the application saw it: payload put back in sequence order,
//! retransmitted bytes kept once.

use super::wire::{Wire, WirePacket};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    pub bytes: Vec<u8>,
    /// Frames that carried new bytes of the stream, in stream order.
    pub frames: Vec<u64>,
    /// True when the capture missed bytes in the middle (a sequence gap).
    pub gap: bool,
}

/// Reassembles the payload of `packets` (one sender, one connection) by relative sequence number.
pub fn reassemble<'a>(wire: &Wire, packets: impl IntoIterator<Item = &'a WirePacket>) -> Stream {
    let mut segments: Vec<(u32, &WirePacket)> = packets
        .into_iter()
        .filter(|packet| packet.payload_len() > 0)
        .map(|packet| (packet.rel_seq.unwrap_or(1), packet))
        .collect();
    segments.sort_by_key(|(seq, packet)| (*seq, packet.number));
    let mut stream = Stream::default();
    // Relative sequence number of the next byte we do not have yet (the first data byte is 1).
    let mut next: u64 = segments
        .first()
        .map_or(1, |(seq, _)| u64::from(*seq).min(1));
    for (seq, packet) in segments {
        let seq = u64::from(seq);
        let payload = wire.payload(packet);
        let end = seq + payload.len() as u64;
        if end <= next {
            continue;
        }
        if seq > next {
            stream.gap = true;
        }
        let skip = next.saturating_sub(seq) as usize;
        stream
            .bytes
            .extend_from_slice(payload.get(skip..).unwrap_or(&[]));
        stream.frames.push(packet.number);
        next = end;
    }
    stream
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Role;
    use crate::grade::test_frames::Conversation;

    fn client_stream(wire: &Wire) -> Stream {
        reassemble(
            wire,
            wire.packets
                .iter()
                .filter(|packet| packet.from == Some(Role::Client)),
        )
    }

    #[test]
    fn segments_join_into_one_stream() {
        let mut talk = Conversation::new(40000, 5000);
        talk.handshake();
        talk.data(Role::Client, b"hel");
        talk.data(Role::Client, b"lo\n");
        let wire = talk.analyse();
        let stream = client_stream(&wire);
        assert_eq!(stream.bytes, b"hello\n");
        assert_eq!(stream.frames, [4, 5]);
        assert!(!stream.gap);
    }

    #[test]
    fn an_empty_direction_is_an_empty_stream() {
        let mut talk = Conversation::new(40000, 5000);
        talk.handshake();
        let wire = talk.analyse();
        assert_eq!(client_stream(&wire), Stream::default());
    }
}
