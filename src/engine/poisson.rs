//! Poisson variates without platform math.
//!
//! Fast-forward (`model::bulk`) counts the requests of a quiet stretch in
//! bulk: the number of arrivals of a Poisson process over an interval is a
//! Poisson variate of the interval's mean. Means run from a fraction of a
//! request to billions (a million users over a day-long bucket), so two
//! methods, as NumPy's `Generator.poisson` does:
//!
//! - below [`PTRS_FROM`], the product of uniforms (Knuth): the count of
//!   uniforms whose running product stays above `exp(-mean)`; exact, about
//!   `mean + 1` uniforms;
//! - from [`PTRS_FROM`] on, Hörmann's transformed rejection with squeeze
//!   (PTRS: W. Hörmann, "The transformed rejection method for generating
//!   Poisson random variables", Insurance: Mathematics and Economics 12,
//!   1993): exact (a rejection method), about 1.2 pairs of uniforms a draw
//!   whatever the mean.
//!
//! `exp`, `ln` and `ln Γ` come from the pure-Rust `libm` crate, `sqrt` and
//! `+ - * /` are correctly rounded IEEE operations: a draw is the same on
//! every machine (`docs/determinism.md`).

use super::StreamRng;

/// From this mean on, [`poisson`] uses PTRS (NumPy's threshold).
pub const PTRS_FROM: f64 = 10.0;

/// A Poisson variate of mean `mean` from `rng`; 0 when `mean` is 0 (no
/// draw), and for a mean that is not a positive finite number.
pub fn poisson(rng: &mut StreamRng, mean: f64) -> u64 {
    if !(mean > 0.0 && mean.is_finite()) {
        return 0;
    }
    if mean < PTRS_FROM {
        product_of_uniforms(rng, mean)
    } else {
        ptrs(rng, mean)
    }
}

/// Knuth's method: `P(K >= k + 1) = P(U_1 ... U_(k+1) > exp(-mean))`.
fn product_of_uniforms(rng: &mut StreamRng, mean: f64) -> u64 {
    let limit = libm::exp(-mean);
    let mut k = 0;
    let mut product = rng.unit();
    while product > limit {
        product *= rng.unit();
        k += 1;
    }
    k
}

/// Hörmann's PTRS, step for step as NumPy's `random_poisson_ptrs`.
fn ptrs(rng: &mut StreamRng, mean: f64) -> u64 {
    let slam = mean.sqrt();
    let loglam = libm::log(mean);
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let log_invalpha = libm::log(1.1239 + 1.1328 / (b - 3.4));
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.unit() - 0.5;
        let v = rng.unit();
        let us = 0.5 - u.abs();
        // `us` is 0 only for u = -0.5: the candidate is then -infinity.
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        if k.is_nan() || k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        // ln(0) = -infinity accepts, as in the reference.
        if libm::log(v) + log_invalpha - libm::log(a / (us * us) + b)
            <= -mean + k * loglam - libm::lgamma(k + 1.0)
        {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean and variance of `n` draws of mean `mean`.
    fn moments(mean: f64, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = StreamRng::new(seed, 0, "poisson.test");
        let draws: Vec<f64> = (0..n).map(|_| poisson(&mut rng, mean) as f64).collect();
        let m = draws.iter().sum::<f64>() / n as f64;
        let v = draws.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
        (m, v)
    }

    #[test]
    fn mean_and_variance_equal_the_mean_on_both_sides_of_the_switch() {
        // The sample mean of n draws has standard error sqrt(mean / n); the
        // sample variance about mean * sqrt(2 / n) (plus a kurtosis term
        // 1/mean, small here). Five standard errors: a wrong method fails.
        for (mean, seed) in [
            (0.3, 1),
            (2.5, 2),
            (9.99, 3),
            (10.0, 4),
            (37.0, 5),
            (1e4, 6),
            (3e9, 7),
        ] {
            let n = 40_000;
            let (m, v) = moments(mean, n, seed);
            let se_mean = (mean / n as f64).sqrt();
            assert!(
                (m - mean).abs() < 5.0 * se_mean,
                "mean {mean}: sample mean {m}"
            );
            let se_var = mean * (2.0 / n as f64 + 1.0 / (mean * n as f64)).sqrt();
            assert!(
                (v - mean).abs() < 5.0 * se_var,
                "mean {mean}: sample variance {v}"
            );
        }
    }

    #[test]
    fn small_counts_follow_the_probability_mass_function() {
        // Chi-square over k = 0..=11 (the rest pooled) at mean 4.2 and at
        // mean 12.5 (PTRS); 11 degrees of freedom, the 99.99% point is 35.
        for (mean, seed) in [(4.2, 11), (12.5, 12)] {
            let n = 100_000;
            let mut rng = StreamRng::new(seed, 0, "poisson.pmf");
            let (lo, cells) = if mean < 10.0 { (0, 12) } else { (6, 14) };
            let mut counts = vec![0u64; cells + 2];
            for _ in 0..n {
                let k = poisson(&mut rng, mean) as usize;
                let cell = if k < lo {
                    0
                } else {
                    (k - lo + 1).min(cells + 1)
                };
                counts[cell] += 1;
            }
            // Probabilities by the recurrence p(k) = p(k-1) * mean / k.
            let mut pmf = vec![0.0; 200];
            pmf[0] = (-mean).exp();
            for k in 1..200 {
                pmf[k] = pmf[k - 1] * mean / k as f64;
            }
            let mut expected = vec![0.0; cells + 2];
            expected[0] = pmf[..lo].iter().sum::<f64>();
            for c in 1..=cells {
                expected[c] = pmf[lo + c - 1];
            }
            expected[cells + 1] = 1.0 - expected[..=cells].iter().sum::<f64>();
            let chi2: f64 = counts
                .iter()
                .zip(&expected)
                .filter(|(_, p)| **p > 0.0)
                .map(|(&o, &p)| {
                    let e = p * n as f64;
                    (o as f64 - e) * (o as f64 - e) / e
                })
                .sum();
            assert!(chi2 < 40.0, "mean {mean}: chi-square {chi2}");
        }
    }

    #[test]
    fn degenerate_means_draw_nothing() {
        let mut rng = StreamRng::new(1, 0, "poisson.zero");
        let mut fresh = rng.clone();
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, -1.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
        assert_eq!(rng.next_u64(), fresh.next_u64(), "no draw consumed");
    }

    #[test]
    fn draws_are_pinned() {
        // A change here changes every fast-forwarded result.
        let mut rng = StreamRng::new(1, 0, "clients.bulk");
        let got: Vec<u64> = [0.5, 3.0, 25.0, 1e6, 2.5e9]
            .iter()
            .map(|&m| poisson(&mut rng, m))
            .collect();
        assert_eq!(got, PINNED);
    }

    const PINNED: [u64; 5] = [0, 0, 34, 1_001_903, 2_499_919_459];
}
