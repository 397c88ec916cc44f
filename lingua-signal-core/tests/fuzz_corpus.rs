//! The `peerjs_frame` fuzz corpus and crash regressions (`fuzz/`), replayed
//! through the fuzz target's own check: the decoders the fuzzer explored
//! stay panic-free and keep their invariants, without a nightly toolchain.

mod fuzz_check;

#[test]
fn the_peerjs_frame_corpus_decodes_and_round_trips() {
    lingua_signal_testing::fuzz::replay("peerjs_frame", fuzz_check::peerjs_frame);
}
