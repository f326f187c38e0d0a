//! The VMA set of an address space: an interval map (the kernel's maple
//! tree), with the lookups the mm code uses.
//!
//! VMAs are kept sorted by address, with their end addresses in an array of
//! their own, so a lookup is one binary search over a dense array of
//! integers, and the neighbours of a VMA are the entries next to it.
//! Inserting or removing one VMA moves the entries above it, which is cheap
//! for the tens to thousands of VMAs processes have; a range of VMAs
//! (`munmap`, `exit_mmap`) is removed or put back with one such move.

use super::vma::Vma;

/// Non-overlapping VMAs ordered by address.
#[derive(Clone, Debug, Default)]
pub struct VmaTree {
    /// `ends[i] == vmas[i].end`, ascending.
    ends: Vec<u64>,
    vmas: Vec<Vma>,
}

impl VmaTree {
    /// Number of VMAs (`mm->map_count`).
    pub fn len(&self) -> usize {
        self.vmas.len()
    }

    /// True if there are no VMAs.
    pub fn is_empty(&self) -> bool {
        self.vmas.is_empty()
    }

    /// Index of the first VMA that ends above `addr`.
    #[inline]
    fn index_after(&self, addr: u64) -> usize {
        self.ends.partition_point(|&e| e <= addr)
    }

    /// `find_vma`: the first VMA that ends above `addr` (it may start above
    /// `addr` too).
    #[inline]
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas.get(self.index_after(addr))
    }

    /// `vma_lookup`: the VMA containing `addr`.
    #[inline]
    pub fn lookup(&self, addr: u64) -> Option<&Vma> {
        self.find(addr).filter(|v| v.start <= addr)
    }

    /// The VMA containing `addr`, mutably.  Its bounds must not change.
    pub fn lookup_mut(&mut self, addr: u64) -> Option<&mut Vma> {
        let i = self.index_after(addr);
        self.vmas.get_mut(i).filter(|v| v.start <= addr)
    }

    /// The VMA starting exactly at `start`.
    #[inline]
    pub fn get(&self, start: u64) -> Option<&Vma> {
        self.lookup(start).filter(|v| v.start == start)
    }

    /// The VMA starting exactly at `start`, mutably.  Its bounds must not
    /// change.
    pub fn get_mut(&mut self, start: u64) -> Option<&mut Vma> {
        self.lookup_mut(start).filter(|v| v.start == start)
    }

    /// The last VMA that starts below `addr` (`vma_prev` from a position).
    pub fn prev(&self, addr: u64) -> Option<&Vma> {
        self.vmas[..self.index_starting_below(addr)].last()
    }

    /// Number of VMAs that start below `addr`.
    #[inline]
    fn index_starting_below(&self, addr: u64) -> usize {
        if addr == 0 {
            return 0;
        }
        // The first VMA ending at or above addr starts below it iff it
        // contains addr - 1.
        let i = self.index_after(addr - 1);
        if self.vmas.get(i).is_some_and(|v| v.start < addr) { i + 1 } else { i }
    }

    /// The first VMA that starts at or above `addr`.
    pub fn next_from(&self, addr: u64) -> Option<&Vma> {
        let i = self.index_after(addr);
        self.vmas[i..].iter().find(|v| v.start >= addr)
    }

    /// `find_vma_intersection`: the first VMA overlapping `[start, end)`.
    #[inline]
    pub fn find_intersection(&self, start: u64, end: u64) -> Option<&Vma> {
        self.find(start).filter(|v| v.start < end)
    }

    /// VMAs overlapping `[start, end)`, ascending.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        self.vmas[self.index_after(start)..].iter().take_while(move |v| v.start < end)
    }

    /// VMAs that start below `addr`, highest first.
    pub fn below(&self, addr: u64) -> impl Iterator<Item = &Vma> {
        self.vmas[..self.index_starting_below(addr)].iter().rev()
    }

    /// VMAs that end above `addr`, lowest first.
    pub fn above(&self, addr: u64) -> impl Iterator<Item = &Vma> {
        self.vmas[self.index_after(addr)..].iter()
    }

    /// Every VMA, ascending.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> {
        self.vmas.iter()
    }

    /// Inserts a VMA (`vma_link`).
    ///
    /// # Panics
    /// If it overlaps an existing VMA: callers make room first, so an
    /// overlap is a simulator bug.
    pub fn insert(&mut self, vma: Vma) {
        assert!(vma.start < vma.end, "empty VMA {:#x}-{:#x}", vma.start, vma.end);
        let i = self.index_after(vma.start);
        if let Some(o) = self.vmas.get(i).filter(|o| o.start < vma.end) {
            panic!("VMA {:#x}-{:#x} overlaps {:#x}-{:#x}", vma.start, vma.end, o.start, o.end);
        }
        self.ends.insert(i, vma.end);
        self.vmas.insert(i, vma);
    }

    /// Changes the VMA starting at `start` in place, its bounds included;
    /// returns what `f` returns.
    ///
    /// # Panics
    /// If the new bounds are empty or reach into a neighbour: a simulator
    /// bug.
    pub fn modify<R>(&mut self, start: u64, f: impl FnOnce(&mut Vma) -> R) -> Option<R> {
        let i = self.index_after(start);
        if self.vmas.get(i)?.start != start {
            return None;
        }
        let r = f(&mut self.vmas[i]);
        let v = &self.vmas[i];
        assert!(v.start < v.end, "VMA {:#x}-{:#x} made empty", v.start, v.end);
        assert!(i == 0 || self.ends[i - 1] <= v.start, "VMA {:#x}-{:#x} grew into its predecessor", v.start, v.end);
        assert!(
            self.vmas.get(i + 1).is_none_or(|n| v.end <= n.start),
            "VMA {:#x}-{:#x} grew into its successor",
            v.start,
            v.end
        );
        self.ends[i] = v.end;
        Some(r)
    }

    /// Splits the VMA starting at `start` at `addr`: it keeps
    /// `[start, addr)` and a copy takes `[addr, end)`, its page offset
    /// advanced to match.
    ///
    /// # Panics
    /// If no VMA starts at `start` or `addr` is not strictly inside it.
    pub fn split(&mut self, start: u64, addr: u64) {
        let i = self.index_after(start);
        let lower = &mut self.vmas[i];
        assert!(lower.start == start && start < addr && addr < lower.end, "split of {start:#x} at {addr:#x}");
        let mut upper = lower.clone();
        upper.pgoff += (addr - start) >> crate::types::PAGE_SHIFT;
        upper.start = addr;
        lower.end = addr;
        self.ends[i] = addr;
        self.ends.insert(i + 1, upper.end);
        self.vmas.insert(i + 1, upper);
    }

    /// Removes every VMA overlapping `[start, end)` at once (one move of
    /// the entries above them, however many there are), ascending.
    ///
    /// # Panics
    /// If a VMA reaches out of the range: callers split at its edges first,
    /// so that is a simulator bug.
    pub fn remove_range(&mut self, start: u64, end: u64) -> Vec<Vma> {
        let i = self.index_after(start);
        let j = i + self.vmas[i..].partition_point(|v| v.start < end);
        if i < j {
            let (first, last) = (&self.vmas[i], &self.vmas[j - 1]);
            assert!(
                first.start >= start && last.end <= end,
                "removal of {start:#x}-{end:#x} cuts {:#x}-{:#x}",
                if first.start < start { first.start } else { last.start },
                if first.start < start { first.end } else { last.end }
            );
        }
        self.ends.drain(i..j);
        self.vmas.drain(i..j).collect()
    }

    /// Removes every VMA (`exit_mmap`), ascending.
    pub fn remove_all(&mut self) -> Vec<Vma> {
        self.ends.clear();
        std::mem::take(&mut self.vmas)
    }

    /// Inserts VMAs that are ascending and fit, together, in one gap
    /// (`reattach_vmas`): one move of the entries above them.
    ///
    /// # Panics
    /// If they are not ascending or overlap an existing VMA: a simulator
    /// bug.
    pub fn insert_run(&mut self, vmas: impl IntoIterator<Item = Vma>) {
        let vmas: Vec<Vma> = vmas.into_iter().collect();
        let (Some(first), Some(last)) = (vmas.first(), vmas.last()) else {
            return;
        };
        let i = self.index_after(first.start);
        assert!(i == 0 || self.ends[i - 1] <= first.start, "VMA run at {:#x} overlaps", first.start);
        if let Some(o) = self.vmas.get(i).filter(|o| o.start < last.end) {
            panic!("VMA run {:#x}-{:#x} overlaps {:#x}-{:#x}", first.start, last.end, o.start, o.end);
        }
        for w in vmas.windows(2) {
            assert!(w[0].start < w[0].end && w[0].end <= w[1].start, "VMA run not ascending at {:#x}", w[1].start);
        }
        assert!(last.start < last.end, "empty VMA {:#x}-{:#x}", last.start, last.end);
        self.ends.splice(i..i, vmas.iter().map(|v| v.end));
        self.vmas.splice(i..i, vmas);
    }

    /// Removes the VMA starting at `start`.
    pub fn remove(&mut self, start: u64) -> Option<Vma> {
        let i = self.index_after(start);
        if self.vmas.get(i)?.start != start {
            return None;
        }
        self.ends.remove(i);
        Some(self.vmas.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::PteFlags;
    use crate::flags::VmFlags;
    use crate::mm::VmaKind;

    fn vma(start: u64, end: u64) -> Vma {
        Vma {
            start,
            end,
            pgoff: start >> 12,
            flags: VmFlags::READ,
            page_prot: PteFlags::empty(),
            anon_vma: Default::default(),
            anon_vma_parents: Vec::new(),
            kind: VmaKind::Anonymous,
        }
    }

    #[test]
    fn lookups() {
        let mut t = VmaTree::default();
        t.insert(vma(0x3000, 0x5000));
        t.insert(vma(0x1000, 0x2000));
        t.insert(vma(0x8000, 0x9000));
        assert_eq!(t.find(0x0).map(|v| v.start), Some(0x1000));
        assert_eq!(t.find(0x2000).map(|v| v.start), Some(0x3000));
        assert_eq!(t.lookup(0x2000).map(|v| v.start), None);
        assert_eq!(t.lookup(0x4fff).map(|v| v.start), Some(0x3000));
        assert_eq!(t.prev(0x3000).map(|v| v.start), Some(0x1000));
        assert_eq!(t.prev(0x3001).map(|v| v.start), Some(0x3000));
        assert_eq!(t.next_from(0x3001).map(|v| v.start), Some(0x8000));
        assert_eq!(t.next_from(0x3000).map(|v| v.start), Some(0x3000));
        assert_eq!(t.overlapping(0x1800, 0x8001).map(|v| v.start).collect::<Vec<_>>(), vec![0x1000, 0x3000, 0x8000]);
        assert_eq!(t.below(0x8000).map(|v| v.start).collect::<Vec<_>>(), vec![0x3000, 0x1000]);
        assert!(t.remove(0x3001).is_none());
        assert_eq!(t.remove(0x3000).map(|v| v.end), Some(0x5000));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn bulk_removal_and_reinsertion() {
        let mut t = VmaTree::default();
        for k in 0..10u64 {
            t.insert(vma(0x10000 + k * 0x2000, 0x11000 + k * 0x2000));
        }
        // [0x13000, 0x17000) holds the VMAs at 0x14000 and 0x16000.
        let gone = t.remove_range(0x13000, 0x17000);
        assert_eq!(gone.iter().map(|v| v.start).collect::<Vec<_>>(), vec![0x14000, 0x16000]);
        assert_eq!(t.len(), 8);
        assert_eq!(t.find(0x13000).map(|v| v.start), Some(0x18000));
        assert!(t.remove_range(0x15000, 0x16000).is_empty());
        t.insert_run(gone);
        assert_eq!(t.len(), 10);
        assert_eq!(t.find(0x13000).map(|v| v.start), Some(0x14000));
        assert_eq!(t.find(0x15000).map(|v| v.start), Some(0x16000));
        assert_eq!(
            t.iter().map(|v| v.start).collect::<Vec<_>>(),
            (0..10).map(|k| 0x10000 + k * 0x2000).collect::<Vec<_>>()
        );
        let all = t.remove_all();
        assert_eq!(all.len(), 10);
        assert!(t.is_empty() && t.find(0).is_none());
    }

    #[test]
    #[should_panic(expected = "cuts")]
    fn removing_part_of_a_vma_is_a_bug() {
        let mut t = VmaTree::default();
        t.insert(vma(0x1000, 0x3000));
        t.remove_range(0x2000, 0x4000);
    }

    #[test]
    #[should_panic(expected = "overlaps")]
    fn overlapping_run_is_a_bug() {
        let mut t = VmaTree::default();
        t.insert(vma(0x4000, 0x5000));
        t.insert_run([vma(0x1000, 0x2000), vma(0x3000, 0x4800)]);
    }

    #[test]
    #[should_panic(expected = "overlaps")]
    fn overlapping_insert_is_a_bug() {
        let mut t = VmaTree::default();
        t.insert(vma(0x1000, 0x3000));
        t.insert(vma(0x2000, 0x4000));
    }
}
