//! The offline optimal eviction baseline: Belady's MIN.
//!
//! Given the whole sequence of pages a workload touches and `capacity`
//! frames, MIN evicts, when a page must come in and every frame is taken,
//! the resident page whose next use is farthest away (or that is never
//! used again).  No policy, knowing the future or not, makes fewer loads
//! (Belady 1966; Mattson et al. 1970).
//!
//! Loads into empty frames are free: the measured phase of a workload
//! starts on a machine whose memory the set-up pass filled, so MIN starts
//! with a full memory of its own choosing.  The count is therefore a lower
//! bound of the page-ins (`pswpin`) of any policy that keeps at most
//! `capacity` pages resident.  Swap readahead brings pages in before they
//! are asked for and counts them, but cannot beat MIN: any schedule of
//! early loads can be turned into a demand-paging one with no more loads.

use mm_core::Kernel;
use mm_core::types::PAGE_SIZE;
use std::collections::{BinaryHeap, HashMap};

/// The frames a policy can hold pages in, at most: `MemTotal` in pages
/// (`totalram_pages`), every frame of the machine's RAM less those it
/// keeps for itself.  The capacity to give [`min_page_ins`] for a run on
/// `k`.
pub fn totalram_pages(k: &Kernel) -> u64 {
    let kb = k.machine().meminfo_lines().into_iter().find(|(label, _)| *label == "MemTotal").map_or(0, |(_, kb)| kb);
    kb * 1024 / PAGE_SIZE
}

/// The number of loads Belady's MIN makes over `pages` with `capacity`
/// frames, not counting loads into frames still empty (see the
/// [module](self)).  With no frame every access is a load.  O(n log n)
/// time and O(n) memory for `n` accesses.
pub fn min_page_ins(pages: &[u64], capacity: usize) -> u64 {
    let n = pages.len();
    if capacity == 0 {
        return n as u64;
    }
    // Page numbers index tables directly when they are dense enough;
    // otherwise they are renumbered in order of first use.
    let max = pages.iter().copied().max().unwrap_or(0);
    if max < (n as u64).max(1 << 20).saturating_mul(4) {
        return belady(pages, max as usize + 1, capacity);
    }
    let mut ids: HashMap<u64, u64, ahash::RandomState> = HashMap::default();
    let dense: Vec<u64> = pages
        .iter()
        .map(|p| {
            let next = ids.len() as u64;
            *ids.entry(*p).or_insert(next)
        })
        .collect();
    belady(&dense, ids.len(), capacity)
}

/// MIN over pages numbered below `universe`.
fn belady(pages: &[u64], universe: usize, capacity: usize) -> u64 {
    const NONE: usize = usize::MAX;
    let n = pages.len();
    // next[i]: the index of the next access to pages[i] after i, or, for
    // the last one, n + i (distinct, and after every real access).
    let mut next = vec![0usize; n];
    let mut table = vec![NONE; universe];
    for i in (0..n).rev() {
        let p = pages[i] as usize;
        next[i] = if table[p] == NONE { n + i } else { table[p] };
        table[p] = i;
    }
    // table[p]: the index of a resident page's next use (NONE if it is
    // not resident).  The heap holds resident pages by that index; an
    // entry is stale once the page was used again or evicted.
    table.fill(NONE);
    let mut heap: BinaryHeap<(usize, u64)> = BinaryHeap::with_capacity(capacity.min(n) + 1);
    let (mut resident, mut loads) = (0usize, 0u64);
    for (i, &p) in pages.iter().enumerate() {
        if table[p as usize] == NONE {
            if resident == capacity {
                loads += 1;
                while let Some((when, victim)) = heap.pop() {
                    if table[victim as usize] == when {
                        table[victim as usize] = NONE;
                        break;
                    }
                }
            } else {
                resident += 1;
            }
        }
        table[p as usize] = next[i];
        heap.push((next[i], p));
        // Keep the stale entries fewer than the live ones.
        if heap.len() > 2 * resident + 64 {
            heap.retain(|&(when, q)| table[q as usize] == when);
        }
    }
    loads
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fewest loads over every choice of victim, by exhaustive search.
    fn brute_force(pages: &[u64], capacity: usize) -> u64 {
        fn go(pages: &[u64], capacity: usize, resident: &mut Vec<u64>) -> u64 {
            let Some((&p, rest)) = pages.split_first() else { return 0 };
            if resident.contains(&p) {
                return go(rest, capacity, resident);
            }
            if resident.len() < capacity {
                resident.push(p);
                let r = go(rest, capacity, resident);
                resident.pop();
                return r;
            }
            let mut best = u64::MAX;
            for slot in 0..resident.len() {
                let old = std::mem::replace(&mut resident[slot], p);
                best = best.min(1 + go(rest, capacity, resident));
                resident[slot] = old;
            }
            best
        }
        if capacity == 0 {
            return pages.len() as u64;
        }
        go(pages, capacity, &mut Vec::new())
    }

    #[test]
    fn classic_example() {
        // 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1 with 3 frames: 9 faults
        // from empty, 3 of them into empty frames.
        let s = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
        assert_eq!(min_page_ins(&s, 3), 6);
        assert_eq!(brute_force(&s, 3), 6);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(min_page_ins(&[], 4), 0);
        assert_eq!(min_page_ins(&[1, 2, 3], 0), 3);
        assert_eq!(min_page_ins(&[1, 2, 3, 1, 2, 3], 3), 0);
        // A loop of 4 pages with 3 frames: after the free fill, MIN
        // misses once every 3 accesses (LRU would miss on every one).
        let s: Vec<u64> = (0..15).map(|i| i % 4).collect();
        assert_eq!(min_page_ins(&s, 3), 4);
        assert_eq!(brute_force(&s, 3), 4);
    }

    #[test]
    fn sparse_page_numbers_are_renumbered() {
        let dense: Vec<u64> = (0..500u64).map(|i| (i * i + 3 * i) % 37).collect();
        let sparse: Vec<u64> = dense.iter().map(|p| (p + 1) << 40).collect();
        for capacity in [1, 5, 20, 40] {
            assert_eq!(min_page_ins(&sparse, capacity), min_page_ins(&dense, capacity));
            assert_eq!(min_page_ins(&dense, capacity), brute_force_greedy_check(&dense, capacity));
        }
    }

    proptest::proptest! {
        #[test]
        fn equals_brute_force(s in proptest::collection::vec(0u64..5, 0..11), capacity in 0usize..5) {
            proptest::prop_assert_eq!(min_page_ins(&s, capacity), brute_force(&s, capacity));
        }

        #[test]
        fn monotone_in_capacity(s in proptest::collection::vec(0u64..40, 0..400), capacity in 1usize..30) {
            proptest::prop_assert!(min_page_ins(&s, capacity + 1) <= min_page_ins(&s, capacity));
        }
    }

    #[test]
    fn rebuilding_the_heap_keeps_the_answer() {
        // Many hits on a few pages make many stale entries.
        let s: Vec<u64> = (0..10_000u64).map(|i| if i % 7 == 0 { 100 + i % 13 } else { i % 3 }).collect();
        let slow: Vec<u64> = s[..300].to_vec();
        assert_eq!(min_page_ins(&slow, 4), brute_force_greedy_check(&slow, 4));
        assert!(min_page_ins(&s, 4) > 0);
    }

    /// MIN by the textbook quadratic rule (scan forward for every
    /// resident page's next use), free fill included.
    fn brute_force_greedy_check(pages: &[u64], capacity: usize) -> u64 {
        let mut resident: Vec<u64> = Vec::new();
        let mut loads = 0;
        for (i, &p) in pages.iter().enumerate() {
            if resident.contains(&p) {
                continue;
            }
            if resident.len() == capacity {
                loads += 1;
                let next_use = |q: u64| pages[i + 1..].iter().position(|&x| x == q).unwrap_or(usize::MAX);
                let victim = (0..resident.len()).max_by_key(|&j| next_use(resident[j])).unwrap_or(0);
                resident.remove(victim);
            }
            resident.push(p);
        }
        loads
    }
}
