//! cargo fuzz target: see `socklab_fuzz::parse_lesson` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socklab_fuzz::parse_lesson(data));
