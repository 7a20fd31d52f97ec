//! From raw frame bytes to our own typed [`Packet`], through etherparse. Never panics on any input.

mod packet;

pub use packet::*;
