//! cargo fuzz target: see `socklab_fuzz::read_capture` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socklab_fuzz::read_capture(data));
