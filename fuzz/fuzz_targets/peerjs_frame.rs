//! Fuzz target `peerjs_frame`: `cargo +nightly fuzz run peerjs_frame` (see `fuzz/README.md`).
//! The check is shared with the corpus replay that plain `cargo test` runs.
#![no_main]

#[path = "../../lingua-signal-core/tests/fuzz_check/mod.rs"]
mod fuzz_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_check::peerjs_frame(data));
