//! How the server's resident memory moves with the cycles of `churn`:
//! samples of `VmRSS` against cycles done, and a least-squares slope over
//! the last two thirds of them (the first third is the warm-up, while the
//! allocator and the server's tables grow to their working size). A leak
//! shows as a slope that stays above zero however long the run.

use serde::Serialize;

/// The server's RSS over a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RssTrend {
    /// Samples taken.
    pub samples: usize,
    /// `VmRSS` at the first sample, KiB.
    pub first_kib: u64,
    /// `VmRSS` at the last sample, KiB.
    pub last_kib: u64,
    /// Mean `VmRSS` over the first third of the samples, KiB.
    pub first_third_kib: f64,
    /// Mean `VmRSS` over the last third, KiB.
    pub last_third_kib: f64,
    /// Growth in KiB per 1000 cycles, fitted over the last two thirds.
    pub kib_per_1000_cycles: f64,
}

impl RssTrend {
    /// The trend of `(cycles done, VmRSS KiB)` samples in time order; `None`
    /// with fewer than three.
    #[must_use]
    pub fn new(samples: &[(u64, u64)]) -> Option<Self> {
        let (first, last) = (samples.first()?, samples.last()?);
        let third = samples.len() / 3;
        if third == 0 {
            return None;
        }
        let mean = |part: &[(u64, u64)]| part.iter().map(|&(_, kib)| kib as f64).sum::<f64>() / part.len() as f64;
        Some(Self {
            samples: samples.len(),
            first_kib: first.1,
            last_kib: last.1,
            first_third_kib: mean(&samples[..third]),
            last_third_kib: mean(&samples[samples.len() - third..]),
            kib_per_1000_cycles: slope(&samples[third..]) * 1000.0,
        })
    }
}

/// Least-squares slope of KiB over cycles (zero when the cycles do not
/// move).
fn slope(samples: &[(u64, u64)]) -> f64 {
    let n = samples.len() as f64;
    let mean_x = samples.iter().map(|&(x, _)| x as f64).sum::<f64>() / n;
    let mean_y = samples.iter().map(|&(_, y)| y as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(x, y) in samples {
        let dx = x as f64 - mean_x;
        sxy += dx * (y as f64 - mean_y);
        sxx += dx * dx;
    }
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

impl std::fmt::Display for RssTrend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |kib: f64| kib / 1024.0;
        write!(
            f,
            "{:+.1} KiB per 1000 cycles after warm-up (first third {:.1} MiB, last third {:.1} MiB, {} samples)",
            self.kib_per_1000_cycles,
            mib(self.first_third_kib),
            mib(self.last_third_kib),
            self.samples
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_leak_shows_as_its_slope_after_the_warm_up() {
        // Warm-up: +1000 KiB at once; then 4 KiB per cycle.
        let mut samples = vec![(0, 10_000), (100, 11_000), (200, 11_000)];
        samples.extend((3..9).map(|i| (i * 100, 11_000 + (i - 2) * 400)));
        let trend = RssTrend::new(&samples).unwrap();
        assert!((trend.kib_per_1000_cycles - 4000.0).abs() < 1e-6, "{trend:?}");
        assert_eq!((trend.first_kib, trend.last_kib, trend.samples), (10_000, 13_400, 9));
        assert!(trend.last_third_kib > trend.first_third_kib);
    }

    #[test]
    fn flat_memory_has_no_slope_and_too_few_samples_no_trend() {
        let flat: Vec<(u64, u64)> = (0..9).map(|i| (i * 50, 5000)).collect();
        assert_eq!(RssTrend::new(&flat).unwrap().kib_per_1000_cycles, 0.0);
        let idle = [(7, 5000), (7, 5100), (7, 5200)];
        assert_eq!(RssTrend::new(&idle).unwrap().kib_per_1000_cycles, 0.0);
        assert_eq!(RssTrend::new(&[(0, 1), (1, 2)]), None);
    }
}
