//! The `rooms_protocol` fuzz corpus and crash regressions (`fuzz/`),
//! replayed through the fuzz target's own check: the decoder the fuzzer
//! explored stays panic-free and keeps its invariants, without a nightly
//! toolchain.

mod fuzz_check;

#[test]
fn the_rooms_protocol_corpus_decodes_and_round_trips() {
    lingua_signal_testing::fuzz::replay("rooms_protocol", fuzz_check::rooms_protocol);
}
