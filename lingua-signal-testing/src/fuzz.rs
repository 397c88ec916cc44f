//! Replays a fuzz target's corpus in plain `cargo test`: every file under
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` goes through the
//! target's check function, the same one the fuzzer runs (`fuzz/`).

use std::{
    fs,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
};

/// The repository's `fuzz/` folder.
#[must_use]
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Runs `check` on every input of `target`'s corpus and regressions; fails
/// naming each input that panics. The corpus must exist and hold inputs: a
/// replay of nothing would pass whatever the decoder does. Regressions are
/// optional (a target without crashes has none). Returns how many inputs ran.
pub fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let corpus = inputs(&fuzz_dir().join("corpus").join(target));
    assert!(!corpus.is_empty(), "the corpus of fuzz target {target} is missing or empty");
    let regressions = fuzz_dir().join("regressions").join(target);
    let regressions = if regressions.exists() { inputs(&regressions) } else { Vec::new() };
    let failed: Vec<String> = (corpus.iter().chain(&regressions))
        .filter(|path| {
            let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "fuzz target {target} fails on {failed:#?}");
    corpus.len() + regressions.len()
}

/// The files directly in `dir`, sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.map(|e| e.expect("a readable entry").path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}
