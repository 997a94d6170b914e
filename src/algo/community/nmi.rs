//! Normalised mutual information between two partitions, arithmetic-mean normalisation.
//!
//! `NMI(X, Y) = 2 I(X; Y) / (H(X) + H(Y))` (Danon, Díaz-Guilera, Duch and Arenas 2005), the
//! normalisation of igraph's `compare_communities(method="nmi")` and of scikit-learn's
//! `normalized_mutual_info_score` default. It is 1 for identical partitions (up to renaming) and 0
//! for independent ones. Two partitions that each put everything in one community are identical,
//! so their NMI is 1, though both entropies are 0.

use rustc_hash::FxHashMap;

/// Why [`nmi`] refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the partitions label {left} and {right} items; NMI compares labels of the same items")]
pub struct NmiLengthMismatch {
    /// Labels in the first partition.
    pub left: usize,
    /// Labels in the second partition.
    pub right: usize,
}

/// The normalised mutual information of two labellings of the same items (any `u32` labels).
pub fn nmi(left: &[u32], right: &[u32]) -> Result<f64, NmiLengthMismatch> {
    if left.len() != right.len() {
        return Err(NmiLengthMismatch { left: left.len(), right: right.len() });
    }
    let n = left.len() as f64;
    if left.is_empty() {
        return Ok(1.0);
    }
    let mut joint: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut left_counts: FxHashMap<u32, u64> = FxHashMap::default();
    let mut right_counts: FxHashMap<u32, u64> = FxHashMap::default();
    for (&a, &b) in left.iter().zip(right) {
        *joint.entry((a, b)).or_insert(0) += 1;
        *left_counts.entry(a).or_insert(0) += 1;
        *right_counts.entry(b).or_insert(0) += 1;
    }
    // Sorted, so the float sums are rounded the same on every run.
    let entropy = |counts: &FxHashMap<u32, u64>| -> f64 {
        let mut counts: Vec<u64> = counts.values().copied().collect();
        counts.sort_unstable();
        -counts.iter().map(|&count| count as f64 / n * (count as f64 / n).ln()).sum::<f64>()
    };
    let (left_entropy, right_entropy) = (entropy(&left_counts), entropy(&right_counts));
    if left_entropy + right_entropy == 0.0 {
        return Ok(1.0);
    }
    let mut cells: Vec<((u32, u32), u64)> = joint.into_iter().collect();
    cells.sort_unstable();
    let mutual: f64 = cells
        .iter()
        .map(|&((a, b), count)| {
            let p = count as f64 / n;
            let pa = left_counts[&a] as f64 / n;
            let pb = right_counts[&b] as f64 / n;
            p * (p / (pa * pb)).ln()
        })
        .sum();
    Ok((2.0 * mutual / (left_entropy + right_entropy)).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_up_to_renaming_score_one() {
        assert!((nmi(&[0, 0, 1, 1, 2], &[7, 7, 3, 3, 9]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(nmi(&[4, 4, 4], &[1, 1, 1]).unwrap(), 1.0);
    }

    #[test]
    fn independent_partitions_score_zero() {
        assert!(nmi(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap().abs() < 1e-12);
        assert_eq!(nmi(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(), 0.0);
    }

    #[test]
    fn a_value_checked_by_hand() {
        // X = {0,1,2},{3,4,5}; Y = {0,1},{2,3,4,5}. H(X) = ln 2; H(Y) = -(1/3 ln 1/3 + 2/3 ln 2/3);
        // I = 1/3 ln 2 + 1/6 ln(1/2) + 1/2 ln(3/2).
        let expected_mutual = (2.0f64).ln() / 3.0 + (0.5f64).ln() / 6.0 + (1.5f64).ln() / 2.0;
        let hy = -((1.0f64 / 3.0) * (1.0f64 / 3.0).ln() + (2.0f64 / 3.0) * (2.0f64 / 3.0).ln());
        let expected = 2.0 * expected_mutual / ((2.0f64).ln() + hy);
        let got = nmi(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 1, 1]).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        assert!((got - nmi(&[0, 0, 1, 1, 1, 1], &[0, 0, 0, 1, 1, 1]).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn different_lengths_are_refused() {
        assert_eq!(nmi(&[0], &[0, 1]), Err(NmiLengthMismatch { left: 1, right: 2 }));
    }
}
