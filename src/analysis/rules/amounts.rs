//! Amount rules: a billed amount far outside the hospital's distribution for comparable stays
//! (the same diagnosis), by a robust z-score (median and median absolute deviation, so the
//! outliers themselves do not widen the yardstick). A hospital with too few claims for a
//! diagnosis is compared with all hospitals' claims for it.

use rustc_hash::FxHashMap;

use super::context::{money, Context, NONE};
use super::{Finding, OutlierParams, Rule};

/// Median and scaled MAD of a sample (sorted in place).
pub fn robust_stats(values: &mut [i64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let median = median_sorted(values);
    let mut dev: Vec<f64> = values.iter().map(|&v| (v as f64 - median).abs()).collect();
    dev.sort_unstable_by(f64::total_cmp);
    let mad = if dev.len() % 2 == 1 { dev[dev.len() / 2] } else { (dev[dev.len() / 2 - 1] + dev[dev.len() / 2]) / 2.0 };
    // 1.4826 × MAD estimates the standard deviation of a normal sample.
    Some((median, 1.4826 * mad))
}

fn median_sorted(v: &[i64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    }
}

/// Per diagnosis, and per (hospital, diagnosis), the median and scaled MAD of billed amounts.
pub struct Yardsticks {
    /// By diagnosis id.
    pub by_diagnosis: FxHashMap<u32, (f64, f64, usize)>,
    /// By (hospital, diagnosis).
    pub by_group: FxHashMap<(u32, u32), (f64, f64, usize)>,
}

impl Yardsticks {
    /// Computes the yardsticks of all claims with a diagnosis and an amount.
    pub fn new(ctx: &Context<'_>) -> Yardsticks {
        let mut by_dx: FxHashMap<u32, Vec<i64>> = FxHashMap::default();
        let mut by_group: FxHashMap<(u32, u32), Vec<i64>> = FxHashMap::default();
        for row in &ctx.claims {
            let Some(billed) = row.billed else { continue };
            if row.diagnosis == NONE {
                continue;
            }
            by_dx.entry(row.diagnosis).or_default().push(billed);
            by_group.entry((row.hospital, row.diagnosis)).or_default().push(billed);
        }
        let stats = |mut v: Vec<i64>| {
            let n = v.len();
            robust_stats(&mut v).map(|(m, s)| (m, s, n)).unwrap_or((0.0, 0.0, 0))
        };
        Yardsticks {
            by_diagnosis: by_dx.into_iter().map(|(k, v)| (k, stats(v))).collect(),
            by_group: by_group.into_iter().map(|(k, v)| (k, stats(v))).collect(),
        }
    }

    /// The yardstick for a claim: its hospital's when that has `min_group` claims, else all
    /// hospitals'. Returns (median, scale, sample size, whether hospital-specific).
    pub fn for_claim(&self, hospital: u32, diagnosis: u32, min_group: usize) -> Option<(f64, f64, usize, bool)> {
        if let Some(&(m, s, n)) = self.by_group.get(&(hospital, diagnosis)) {
            if n >= min_group && s > 0.0 {
                return Some((m, s, n, true));
            }
        }
        self.by_diagnosis.get(&diagnosis).filter(|(_, s, _)| *s > 0.0).map(|&(m, s, n)| (m, s, n, false))
    }
}

/// Billed amounts more than `z_limit` robust deviations and `min_ratio` times above the median
/// of comparable stays.
pub fn outliers(ctx: &Context<'_>, rule: &Rule, p: &OutlierParams) -> Vec<Finding> {
    let sticks = Yardsticks::new(ctx);
    let mut out = Vec::new();
    for row in &ctx.claims {
        let Some(billed) = row.billed else { continue };
        if row.diagnosis == NONE {
            continue;
        }
        let Some((median, scale, n, local)) = sticks.for_claim(row.hospital, row.diagnosis, p.min_group) else {
            continue;
        };
        let z = (billed as f64 - median) / scale;
        if z <= p.z_limit || (billed as f64) < p.min_ratio * median {
            continue;
        }
        let whose = if local { format!("hospital {}'s", ctx.key(row.hospital)) } else { "all hospitals'".to_owned() };
        out.push(
            Finding::new(row.node, rule.score)
                .reason(format!(
                    "claim {} at hospital {} billed {} for `{}`: {:.1}× the median {} of {} {} claims for it (robust z = {:.1})",
                    ctx.key(row.node.0),
                    ctx.key(row.hospital),
                    money(Some(billed)),
                    ctx.diagnosis(row),
                    billed as f64 / median.max(1.0),
                    money(Some(median.round() as i64)),
                    n,
                    whose,
                    z
                ))
                .claim_edges(ctx, row),
        );
    }
    out
}
