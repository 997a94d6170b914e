//! The seeded randomness of Louvain and Leiden: SplitMix64, written out here so that a partition
//! for a given seed never changes with a dependency's version.

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and well mixed for shuffles and choices.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    #[cfg(test)]
    pub(crate) fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    /// A generator for one part of a run (a level, a community), independent of the others.
    pub(crate) fn derive(seed: u64, stream: u64, index: u64) -> SplitMix {
        let mut mixer = SplitMix(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        let first = mixer.next_u64();
        SplitMix(first ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (Lemire's multiply-shift; the bias, below 2^-32 for our bounds,
    /// does not matter here).
    pub(crate) fn below(&mut self, bound: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(bound)) >> 32) as u32
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
pub(crate) fn permutation(n: u32, rng: &mut SplitMix) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i + 1);
        order.swap(i as usize, j as usize);
    }
    order
}

/// Graphs with fewer vertices than this are visited in a uniformly random order: their arrays
/// stay in cache, so locality buys nothing.
const LOCAL_ORDER_FROM: u32 = 1 << 16;
/// Largest run of consecutive ids visited together.
const MAX_RUN: u32 = 32;

/// A seeded visiting order of `0..n` that keeps memory locality on large graphs: runs of
/// consecutive ids (about `n / 2^15`, at most [`MAX_RUN`]) in a random order, each run ascending.
/// Reading the adjacency of a run is nearly sequential, where a uniform order misses the cache at
/// every vertex; the runs are short enough that the order stays random at the scale of
/// communities. Below [`LOCAL_ORDER_FROM`] vertices it is a uniform permutation.
pub(crate) fn visiting_order(n: u32, rng: &mut SplitMix) -> Vec<u32> {
    if n < LOCAL_ORDER_FROM {
        return permutation(n, rng);
    }
    let run = (n >> 15).clamp(1, MAX_RUN);
    let runs = permutation(n.div_ceil(run), rng);
    let mut order = Vec::with_capacity(n as usize);
    for first in runs {
        let start = first * run;
        order.extend(start..(start + run).min(n));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_permutations_and_follow_the_seed() {
        let a = permutation(1000, &mut SplitMix::new(7));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_eq!(a, permutation(1000, &mut SplitMix::new(7)));
        assert_ne!(a, permutation(1000, &mut SplitMix::new(8)));
    }

    #[test]
    fn visiting_orders_are_permutations_and_follow_the_seed() {
        for n in [0, 10, LOCAL_ORDER_FROM, LOCAL_ORDER_FROM * 3 + 7] {
            let a = visiting_order(n, &mut SplitMix::new(1));
            let mut sorted = a.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            assert_eq!(a, visiting_order(n, &mut SplitMix::new(1)));
            if n > 1 {
                assert_ne!(a, visiting_order(n, &mut SplitMix::new(2)));
            }
        }
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = SplitMix::derive(1, 2, 3);
        for bound in 1..200 {
            assert!(rng.below(bound) < bound);
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
        }
    }
}
