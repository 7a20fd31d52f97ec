//! The hash of the live-flow table: looked up once per packet, so it must be cheap.
//!
//! std's default SipHash cost about 500 instructions per packet on a flow key (addresses, ports,
//! protocol: a dozen small writes), more than the rest of the analysis of a typical segment. This is a
//! folded-multiply hash (the construction of foldhash and rustc-hash 2) with a random seed per analyzer,
//! so a crafted capture cannot aim at collisions it cannot predict.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Builds [`FlowHasher`]s with this analyzer's seed.
#[derive(Clone, Debug)]
pub(super) struct FlowHashState {
    seed: u64,
}

impl Default for FlowHashState {
    fn default() -> Self {
        FlowHashState {
            seed: RandomState::new().hash_one(0x0073_6f63_6b6c_6162_u64),
        }
    }
}

impl BuildHasher for FlowHashState {
    type Hasher = FlowHasher;

    fn build_hasher(&self) -> FlowHasher {
        FlowHasher { state: self.seed }
    }
}

pub(super) struct FlowHasher {
    state: u64,
}

/// The fractional part of the golden ratio: odd, with bits spread over the whole word.
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// The high and low halves of the 128-bit product, folded: every input bit reaches every output bit.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

impl FlowHasher {
    fn mix(&mut self, word: u64) {
        self.state = folded_multiply(self.state ^ word, MULTIPLIER);
    }
}

impl Hasher for FlowHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            word[..tail.len()].copy_from_slice(tail);
            // The length keeps "ab" and "ab\0" apart.
            self.mix(u64::from_le_bytes(word) ^ ((tail.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.mix(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.mix(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.mix(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }

    fn finish(&self) -> u64 {
        // One more round, so the last word written also reaches the high bits hashbrown uses.
        folded_multiply(self.state, MULTIPLIER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::flow_key::FlowKey;
    use crate::analysis::verdict::FlowProtocol;
    use std::collections::HashSet;
    use std::net::{IpAddr, Ipv4Addr};

    fn key(client_port: u16, host: u8) -> FlowKey {
        let client = IpAddr::V4(Ipv4Addr::new(10, 0, 0, host));
        let server = IpAddr::V4(Ipv4Addr::new(10, 1, 0, 1));
        FlowKey::new(FlowProtocol::Tcp, (client, client_port), (server, 80)).0
    }

    #[test]
    fn both_directions_and_equal_keys_hash_alike() {
        let state = FlowHashState::default();
        let client = (IpAddr::V4(Ipv4Addr::LOCALHOST), 40000);
        let server = (IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
        let there = FlowKey::new(FlowProtocol::Tcp, client, server).0;
        let back = FlowKey::new(FlowProtocol::Tcp, server, client).0;
        assert_eq!(state.hash_one(there), state.hash_one(back));
        let udp = FlowKey::new(FlowProtocol::Udp, client, server).0;
        assert_ne!(state.hash_one(there), state.hash_one(udp));
    }

    #[test]
    fn neighbouring_keys_spread_over_the_bits_hashbrown_uses() {
        let state = FlowHashState::default();
        let mut low_bits = HashSet::new();
        let mut top_bits = HashSet::new();
        for port in 0..4096u16 {
            let hash = state.hash_one(key(20_000 + port, (port % 7) as u8));
            low_bits.insert(hash & 0xfff);
            top_bits.insert(hash >> 57);
        }
        // 4096 keys into 4096 buckets: a good hash fills about 63% of them; a weak one far fewer.
        assert!(low_bits.len() > 2400, "{} buckets used", low_bits.len());
        assert_eq!(top_bits.len(), 128, "every 7-bit tag is used");
    }

    #[test]
    fn seeds_differ_between_analyzers() {
        let (a, b) = (FlowHashState::default(), FlowHashState::default());
        assert_ne!(a.hash_one(key(1, 1)), b.hash_one(key(1, 1)));
    }

    #[test]
    fn byte_strings_of_different_lengths_differ() {
        let state = FlowHashState::default();
        let hash = |bytes: &[u8]| {
            let mut hasher = state.build_hasher();
            hasher.write(bytes);
            hasher.finish()
        };
        assert_ne!(hash(b"ab"), hash(b"ab\0"));
        assert_ne!(hash(b"12345678"), hash(b"12345678\0"));
    }
}
