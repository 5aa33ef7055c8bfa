//! The statistics of the constant-time check, after dudect (Reparaz, Balasch, Verbauwhede,
//! "Dude, is my code constant time?", 2017, and its reference `dudect.h`).
//!
//! Execution times of two classes of inputs, measured interleaved in random order, are
//! compared with Welch's t-test. As dudect does, the test is run on the raw times, on the
//! times cropped at 100 thresholds (percentiles `1 - 0.5^(10 (i + 1) / 100)` of a first batch,
//! which cut the long tail of interrupts and preemptions), and on the centred squares (a
//! second-order test); the verdict is the largest |t| among the tests with enough
//! measurements. `|t| > 4.5` is dudect's "probably not constant time".

use std::vec::Vec;

/// dudect's threshold: above it, the two classes' times probably differ.
pub const T_THRESHOLD: f64 = 4.5;

/// How many cropping thresholds (percentiles) are tested.
pub const PERCENTILES: usize = 100;

/// A test counts towards the verdict only with more measurements than this in each class.
pub const ENOUGH_MEASUREMENTS: u64 = 10_000;

/// Welch's t-test on two classes, with running means and variances (Welford's method).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Welch {
    n: [u64; 2],
    mean: [f64; 2],
    m2: [f64; 2],
}

impl Welch {
    /// Adds a measurement of class `class` (0 or 1).
    pub fn push(&mut self, value: f64, class: usize) {
        self.n[class] += 1;
        let delta = value - self.mean[class];
        self.mean[class] += delta / self.n[class] as f64;
        self.m2[class] += delta * (value - self.mean[class]);
    }

    /// How many measurements each class has.
    #[must_use]
    pub const fn counts(&self) -> [u64; 2] {
        self.n
    }

    /// The mean of each class.
    #[must_use]
    pub const fn means(&self) -> [f64; 2] {
        self.mean
    }

    /// Welch's t statistic (0 until both classes have two measurements, or with no variance).
    #[must_use]
    pub fn t(&self) -> f64 {
        if self.n[0] < 2 || self.n[1] < 2 {
            return 0.0;
        }
        let variance = |c: usize| self.m2[c] / (self.n[c] - 1) as f64;
        let error = (variance(0) / self.n[0] as f64 + variance(1) / self.n[1] as f64).sqrt();
        if error == 0.0 {
            0.0
        } else {
            (self.mean[0] - self.mean[1]) / error
        }
    }
}

/// Which of dudect's tests a t statistic comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// The raw times.
    Raw,
    /// The times below this percentile of the first batch (in percent).
    Cropped(f64),
    /// The centred squares of the times.
    SecondOrder,
}

/// dudect's battery of t-tests over one stream of measurements.
#[derive(Debug, Clone)]
pub struct Dudect {
    thresholds: Vec<f64>,
    raw: Welch,
    cropped: Vec<Welch>,
    second_order: Welch,
}

impl Dudect {
    /// Sets the cropping thresholds from a first batch of times (which are not tested).
    ///
    /// # Panics
    ///
    /// When `first_batch` is empty.
    #[must_use]
    pub fn new(first_batch: &[f64]) -> Self {
        assert!(
            !first_batch.is_empty(),
            "the first batch sets the thresholds"
        );
        let mut sorted = first_batch.to_vec();
        sorted.sort_by(f64::total_cmp);
        let thresholds = (0..PERCENTILES)
            .map(|i| {
                let which = percentile(i);
                let index = ((sorted.len() as f64 * which) as usize).min(sorted.len() - 1);
                sorted[index]
            })
            .collect();
        Self {
            thresholds,
            raw: Welch::default(),
            cropped: vec![Welch::default(); PERCENTILES],
            second_order: Welch::default(),
        }
    }

    /// Adds a measured time of class `class` (0 or 1).
    pub fn push(&mut self, time: f64, class: usize) {
        self.raw.push(time, class);
        for (welch, threshold) in self.cropped.iter_mut().zip(&self.thresholds) {
            if time < *threshold {
                welch.push(time, class);
            }
        }
        if self.raw.counts()[0] > ENOUGH_MEASUREMENTS {
            let centred = time - self.raw.means()[class];
            self.second_order.push(centred * centred, class);
        }
    }

    /// How many measurements were pushed.
    #[must_use]
    pub fn measurements(&self) -> u64 {
        self.raw.counts().iter().sum()
    }

    /// The mean raw time of each class.
    #[must_use]
    pub fn means(&self) -> [f64; 2] {
        self.raw.means()
    }

    /// The raw test's t statistic.
    #[must_use]
    pub fn raw_t(&self) -> f64 {
        self.raw.t()
    }

    /// The largest |t| among the tests with enough measurements, and its test (dudect's
    /// verdict); `(0.0, Test::Raw)` until some test has enough.
    #[must_use]
    pub fn max_t(&self) -> (f64, Test) {
        let tests = core::iter::once((&self.raw, Test::Raw))
            .chain(
                self.cropped
                    .iter()
                    .enumerate()
                    .map(|(i, welch)| (welch, Test::Cropped(100.0 * percentile(i)))),
            )
            .chain(core::iter::once((&self.second_order, Test::SecondOrder)));
        tests
            .filter(|(welch, _)| welch.counts()[0] > ENOUGH_MEASUREMENTS)
            .map(|(welch, test)| (welch.t().abs(), test))
            .fold(
                (0.0, Test::Raw),
                |best, next| if next.0 > best.0 { next } else { best },
            )
    }
}

/// dudect's `i`-th cropping percentile, `1 - 0.5^(10 (i + 1) / 100)`: dense near the median,
/// up to 99.9 %.
fn percentile(i: usize) -> f64 {
    1.0 - 0.5f64.powf(10.0 * (i + 1) as f64 / PERCENTILES as f64)
}

/// A small, fast, seedable generator (xorshift64*) for drawing classes: not for secrets.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced: xorshift has no zero state).
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_a_hand_computation() {
        let mut welch = Welch::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            welch.push(x, 0);
        }
        for x in [2.0, 4.0, 6.0, 8.0] {
            welch.push(x, 1);
        }
        // Means 2.5 and 5, variances 5/3 and 20/3: t = -2.5 / sqrt(25/12).
        let expected = -2.5 / (25.0f64 / 12.0).sqrt();
        assert!((welch.t() - expected).abs() < 1e-12, "{}", welch.t());
    }

    fn noisy(rng: &mut Rng) -> f64 {
        // Sum of uniforms, plus a rare long tail, as preemptions give.
        let uniform = |rng: &mut Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let base = 1000.0 + 50.0 * (uniform(rng) + uniform(rng) + uniform(rng));
        if rng.next_u64().is_multiple_of(1000) {
            base + 20_000.0
        } else {
            base
        }
    }

    #[test]
    fn same_distribution_passes_shifted_one_fails() {
        let mut rng = Rng::new(7);
        let first: Vec<f64> = (0..10_000).map(|_| noisy(&mut rng)).collect();
        let mut same = Dudect::new(&first);
        let mut shifted = Dudect::new(&first);
        for _ in 0..100_000 {
            let class = (rng.next_u64() & 1) as usize;
            let time = noisy(&mut rng);
            same.push(time, class);
            shifted.push(time + if class == 1 { 3.0 } else { 0.0 }, class);
        }
        assert_eq!(same.measurements(), 100_000);
        assert!(same.max_t().0 < T_THRESHOLD, "{:?}", same.max_t());
        assert!(shifted.max_t().0 > 10.0, "{:?}", shifted.max_t());
    }
}
