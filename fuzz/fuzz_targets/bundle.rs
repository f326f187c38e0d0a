#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mm_fuzz::bundle::fuzz(data));
