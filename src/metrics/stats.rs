//! Small statistics used by summaries: percentiles, means, Student-t
//! confidence intervals.

/// Nearest-rank percentile `p` (0..=100) of sorted values; 0 when empty.
///
/// Nearest rank (the smallest value with at least p% of values at or below
/// it) is used because it always returns an observed duration: a window of
/// exactly 30m 2s stays 30m 2s, which interpolation would not guarantee.
pub fn nearest_rank(sorted: &[u64], p: u32) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let p = u64::from(p.min(100));
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted[(rank - 1) as usize]
}

/// Mean of `values`, `None` when empty.
///
/// When every value is equal the mean is that value exactly: summing and
/// dividing could be an ulp off, which would turn a zero-width confidence
/// interval into a tiny non-zero one.
pub fn mean(values: &[f64]) -> Option<f64> {
    let first = *values.first()?;
    if values.iter().all(|&v| v == first) {
        return Some(first);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (divisor `n - 1`), `None` for fewer than two values.
///
/// Two passes (mean, then squared deviations) rather than a running sum of
/// squares: it stays exact in the cases tests check (all values equal gives 0)
/// and does not lose precision on large, close values such as ms totals.
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Two-sided 95% quantiles of Student's t (`t_{0.975}`) for 1 to 30 degrees
/// of freedom, each the nearest f64 to the exact value (computed with mpmath from the
/// regularised incomplete beta function).
const T975: [f64; 30] = [
    12.706204736174705,
    4.302652729749464,
    3.1824463052837095,
    2.7764451051977943,
    2.5705818356363155,
    2.44691185114497,
    2.3646242515927853,
    2.3060041352041667,
    2.2621571627982053,
    2.228138851986275,
    2.20098516009164,
    2.178812829667229,
    2.1603686564627926,
    2.144786687917804,
    2.1314495455597755,
    2.1199052992212546,
    2.109815577833317,
    2.1009220402410387,
    2.09302405440831,
    2.085963447265865,
    2.0796138447276804,
    2.073873067904026,
    2.0686576104190486,
    2.063898561628026,
    2.0595385527532977,
    2.055529438642873,
    2.0518305164802855,
    2.048407141795245,
    2.0452296421327043,
    2.042272456301238,
];

/// `t_{0.975}` of Student's t with `df >= 1` degrees of freedom.
///
/// A table up to 30, then the Cornish-Fisher expansion around the normal
/// quantile to the fourth order in `1/df` (error below 3e-8 at 31 and
/// shrinking fast). Only `+ - * /` are used, never `ln` or `exp`, whose last
/// bits differ between C libraries: the CSVs must be byte-identical on every
/// machine.
///
/// # Panics
/// If `df == 0` (a t interval needs at least two observations).
pub fn t_quantile_975(df: u64) -> f64 {
    assert!(df >= 1, "Student t needs at least one degree of freedom");
    if let Some(&t) = T975.get((df - 1) as usize) {
        return t;
    }
    const Z: f64 = 1.959_963_984_540_054;
    let z2 = Z * Z;
    let z3 = z2 * Z;
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let z9 = z7 * z2;
    let g1 = (z3 + Z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * Z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * Z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * Z) / 92160.0;
    let nu = df as f64;
    Z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu) + g4 / (nu * nu * nu * nu)
}

/// Mean, standard deviation and 95% Student-t confidence interval of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Mean, `None` when empty.
    pub mean: Option<f64>,
    /// Sample standard deviation, `None` for fewer than two values.
    pub sd: Option<f64>,
    /// 95% confidence interval of the mean `(low, high)`, `None` for fewer
    /// than two values. Zero width when every value is equal.
    pub ci95: Option<(f64, f64)>,
}

/// Summarises a sample: mean, sd and the 95% t interval `mean ± t * sd / sqrt(n)`.
pub fn summarize(values: &[f64]) -> Summary {
    let m = mean(values);
    let sd = sample_sd(values);
    let ci95 = match (m, sd) {
        (Some(m), Some(sd)) => {
            let n = values.len();
            let half = t_quantile_975((n - 1) as u64) * sd / (n as f64).sqrt();
            Some((m - half, m + half))
        }
        _ => None,
    };
    Summary {
        n: values.len(),
        mean: m,
        sd,
        ci95,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sd_match_hand_values() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 3.0, 6.0]), Some(3.0));
        assert_eq!(sample_sd(&[5.0]), None);
        // Deviations -2,-1,0,3: squares 14, / 3.
        let sd = sample_sd(&[1.0, 2.0, 3.0, 6.0]).unwrap();
        assert!((sd - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn equal_values_give_a_zero_width_interval() {
        let v = [0.1; 7];
        let s = summarize(&v);
        assert_eq!(s.mean, Some(0.1));
        assert_eq!(s.sd, Some(0.0));
        assert_eq!(s.ci95, Some((0.1, 0.1)));
        let s = summarize(&[1_800_000.0; 3]);
        assert_eq!(s.ci95, Some((1_800_000.0, 1_800_000.0)));
    }

    #[test]
    fn t_quantiles_match_published_values() {
        // Published two-sided 95% critical values (3 decimals).
        for (df, t) in [
            (1, 12.706),
            (2, 4.303),
            (5, 2.571),
            (10, 2.228),
            (30, 2.042),
            (40, 2.021),
            (60, 2.000),
            (120, 1.980),
        ] {
            assert!((t_quantile_975(df) - t).abs() < 5e-4, "df {df}");
        }
        // Beyond the table the expansion joins it smoothly and tends to z.
        assert!((t_quantile_975(31) - 2.0395134464).abs() < 1e-7);
        assert!((t_quantile_975(100) - 1.98397151852).abs() < 1e-9);
        assert!((t_quantile_975(1_000_000) - 1.959964).abs() < 1e-5);
        let mut prev = f64::INFINITY;
        for df in 1..200 {
            let t = t_quantile_975(df);
            assert!(t < prev, "not decreasing at {df}");
            prev = t;
        }
    }

    #[test]
    fn interval_of_a_small_sample() {
        // n = 4, mean 3, sd sqrt(14/3), t(3) = 3.182446...
        let s = summarize(&[1.0, 2.0, 3.0, 6.0]);
        let half = 3.1824463052837096 * (14.0f64 / 3.0).sqrt() / 2.0;
        let (lo, hi) = s.ci95.unwrap();
        assert!((lo - (3.0 - half)).abs() < 1e-12 && (hi - (3.0 + half)).abs() < 1e-12);
        assert_eq!(summarize(&[2.0]).ci95, None);
        assert_eq!(summarize(&[]).mean, None);
    }

    #[test]
    fn nearest_rank_matches_hand_values() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&v, 50), 50);
        assert_eq!(nearest_rank(&v, 95), 100);
        assert_eq!(nearest_rank(&v, 0), 10);
        assert_eq!(nearest_rank(&[7], 95), 7);
        assert_eq!(nearest_rank(&[], 50), 0);
    }
}
