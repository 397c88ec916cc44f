//! The `socketio_args` fuzz corpus and crash regressions (`fuzz/`),
//! replayed through the fuzz target's own check: the argument decoding the
//! fuzzer explored stays panic-free and keeps its invariants, without a
//! nightly toolchain.

mod fuzz_check;

#[test]
fn the_socketio_args_corpus_decodes_as_defined() {
    lingua_signal_testing::fuzz::replay("socketio_args", fuzz_check::socketio_args);
}
