//! cargo fuzz target: see `socklab_fuzz::decode_frame` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socklab_fuzz::decode_frame(data));
