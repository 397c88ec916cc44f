//! Fuzz target `socketio_args`: `cargo +nightly fuzz run socketio_args` (see `fuzz/README.md`).
//! The check is shared with the corpus replay that plain `cargo test` runs.
#![no_main]

#[path = "../../lingua-signal-axum/tests/fuzz_check/mod.rs"]
mod fuzz_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_check::socketio_args(data));
