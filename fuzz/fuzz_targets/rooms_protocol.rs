//! Fuzz target `rooms_protocol`: `cargo +nightly fuzz run rooms_protocol` (see `fuzz/README.md`).
//! The check is shared with the corpus replay that plain `cargo test` runs.
#![no_main]

#[path = "../../lingua-signal-warp/tests/fuzz_check/mod.rs"]
mod fuzz_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_check::rooms_protocol(data));
