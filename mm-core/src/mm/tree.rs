//! The VMA set of an address space: an interval map keyed by start address
//! (the kernel's maple tree), with the lookups the mm code uses.

use super::vma::Vma;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Non-overlapping VMAs ordered by address.
#[derive(Clone, Debug, Default)]
pub struct VmaTree {
    map: BTreeMap<u64, Vma>,
}

impl VmaTree {
    /// Number of VMAs (`mm->map_count`).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True if there are no VMAs.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `find_vma`: the first VMA that ends above `addr` (it may start above
    /// `addr` too).
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        if let Some((_, v)) = self.map.range(..=addr).next_back()
            && v.end > addr
        {
            return Some(v);
        }
        self.map
            .range((Bound::Excluded(addr), Bound::Unbounded))
            .next()
            .map(|(_, v)| v)
    }

    /// `vma_lookup`: the VMA containing `addr`.
    pub fn lookup(&self, addr: u64) -> Option<&Vma> {
        self.map
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.end > addr)
    }

    /// The VMA containing `addr`, mutably.
    pub fn lookup_mut(&mut self, addr: u64) -> Option<&mut Vma> {
        self.map
            .range_mut(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.end > addr)
    }

    /// The VMA starting exactly at `start`.
    pub fn get(&self, start: u64) -> Option<&Vma> {
        self.map.get(&start)
    }

    /// The VMA starting exactly at `start`, mutably.
    pub fn get_mut(&mut self, start: u64) -> Option<&mut Vma> {
        self.map.get_mut(&start)
    }

    /// The last VMA that starts below `addr` (`vma_prev` from a position).
    pub fn prev(&self, addr: u64) -> Option<&Vma> {
        self.map.range(..addr).next_back().map(|(_, v)| v)
    }

    /// The first VMA that starts at or above `addr`.
    pub fn next_from(&self, addr: u64) -> Option<&Vma> {
        self.map.range(addr..).next().map(|(_, v)| v)
    }

    /// `find_vma_intersection`: the first VMA overlapping `[start, end)`.
    pub fn find_intersection(&self, start: u64, end: u64) -> Option<&Vma> {
        self.find(start).filter(|v| v.start < end)
    }

    /// VMAs overlapping `[start, end)`, ascending.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        let first = match self.map.range(..=start).next_back() {
            Some((&s, v)) if v.end > start => s,
            _ => start,
        };
        self.map
            .range(first..end)
            .map(|(_, v)| v)
            .filter(move |v| v.end > start)
    }

    /// Start addresses of the VMAs overlapping `[start, end)`.
    pub fn overlapping_starts(&self, start: u64, end: u64) -> Vec<u64> {
        self.overlapping(start, end).map(|v| v.start).collect()
    }

    /// Every VMA, ascending.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }

    /// Inserts a VMA (`vma_link`).
    ///
    /// # Panics
    /// If it overlaps an existing VMA: callers make room first, so an
    /// overlap is a simulator bug.
    pub fn insert(&mut self, vma: Vma) {
        assert!(
            vma.start < vma.end,
            "empty VMA {:#x}-{:#x}",
            vma.start,
            vma.end
        );
        if let Some(o) = self.find_intersection(vma.start, vma.end) {
            panic!(
                "VMA {:#x}-{:#x} overlaps {:#x}-{:#x}",
                vma.start, vma.end, o.start, o.end
            );
        }
        self.map.insert(vma.start, vma);
    }

    /// Removes the VMA starting at `start`.
    pub fn remove(&mut self, start: u64) -> Option<Vma> {
        self.map.remove(&start)
    }

    /// Changes the bounds of the VMA starting at `old_start` (it must not
    /// overlap another VMA afterwards).
    pub fn set_bounds(&mut self, old_start: u64, start: u64, end: u64) {
        let mut v = self
            .map
            .remove(&old_start)
            .expect("set_bounds of a missing VMA");
        v.start = start;
        v.end = end;
        self.insert(v);
    }
}
