//! The VMA set of an address space: an interval map (the kernel's maple
//! tree), with the lookups the mm code uses.
//!
//! VMAs are kept sorted by address, with their end addresses in an array of
//! their own, so a lookup is a binary search over a dense array of
//! integers, and the neighbours of a VMA are the entries next to it.  The
//! array has a gap that follows insertions and removals (a gap buffer), so
//! a walk that splits or merges VMAs one after the other up a range
//! (`mprotect`, `madvise`) costs time linear in the VMAs it passes; a
//! range of VMAs (`munmap`, `exit_mmap`) is removed or put back at once.
//!
//! Every change goes through the methods here, and they are where a
//! writer write-locks the VMAs it changes or removes (`vma_start_write`)
//! and notes that the tree changed (so `mmap_write_unlock` withdraws the
//! published snapshot that faults read without the `mmap_lock`).

use super::vma::Vma;
// A reference count without a weak count: checking that the tree alone
// holds a VMA, as every change does, is a load, not a locked exchange.
use triomphe::Arc;

/// A VMA of the tree, shared with the published snapshot until the tree
/// changes it ([`own`]): publishing copies pointers, not VMAs.
type Entry = Arc<Vma>;

/// The tree's VMA for changing: a copy of it first if the published
/// snapshot still shares it (the copy shares its lock: one VMA, as
/// [`Vma::rcu_copy`]), as the maple tree writes new nodes for RCU readers
/// to move to.
#[inline]
fn own(e: &mut Entry) -> &mut Vma {
    if Arc::get_mut(e).is_none() {
        *e = Arc::new(e.rcu_copy());
    }
    Arc::get_mut(e).expect("not shared")
}

/// A VMA that leaves the tree: itself, or a copy sharing its lock if the
/// published snapshot still shares it.
fn take(e: Entry) -> Vma {
    Arc::try_unwrap(e).unwrap_or_else(|e| e.rcu_copy())
}

/// Non-overlapping VMAs ordered by address, in two arrays with a gap
/// between them.
///
/// The VMAs below the gap are in `vmas` (ascending), those above it in
/// `back` (descending, so the one next to the gap is last).  A change that
/// adds or removes VMAs first moves the gap to where it happens, then
/// pushes or pops next to it: a walk that splits or merges VMA after VMA up
/// a range (mprotect, madvise) moves each entry once in all, not once per
/// change.  A change elsewhere costs a move of the entries in between, as
/// an insertion into one array would.  Lookups search `vmas` and look
/// above the gap only when every VMA there ends at or below the address.
#[derive(Debug, Default)]
pub struct VmaTree {
    /// `ends[i] == vmas[i].end`, ascending.
    ends: Vec<u64>,
    vmas: Vec<Entry>,
    /// `back_ends[i] == back[i].end`, descending.
    back_ends: Vec<u64>,
    /// The VMAs above the gap, highest first.
    back: Vec<Entry>,
    /// The `mm_lock_seq` of the writer holding the `mmap_lock` (set when
    /// it takes it): what `vma_start_write` marks VMAs with.
    write_seq: u64,
    /// A VMA was write-locked or the tree changed since the writer took
    /// the `mmap_lock`.
    pub(super) wrote: bool,
    /// The set of VMAs or one of them changed since the writer took the
    /// `mmap_lock`.
    pub(super) changed: bool,
}

/// A copy whose VMAs are new ones ([`Vma::clone`]: locks of their own).
impl Clone for VmaTree {
    fn clone(&self) -> VmaTree {
        let copy = |v: &[Entry]| v.iter().map(|e| Arc::new((**e).clone())).collect();
        VmaTree {
            ends: self.ends.clone(),
            vmas: copy(&self.vmas),
            back_ends: self.back_ends.clone(),
            back: copy(&self.back),
            write_seq: self.write_seq,
            wrote: self.wrote,
            changed: self.changed,
        }
    }
}

impl VmaTree {
    /// Number of VMAs (`mm->map_count`).
    pub fn len(&self) -> usize {
        self.vmas.len() + self.back.len()
    }

    /// True if there are no VMAs.
    pub fn is_empty(&self) -> bool {
        self.vmas.is_empty() && self.back.is_empty()
    }

    /// A writer whose `mm_lock_seq` is `seq` took the `mmap_lock`.
    pub(super) fn start_writer(&mut self, seq: u64) {
        self.write_seq = seq;
        self.wrote = false;
        self.changed = false;
    }

    /// `vma_start_write` on the VMA at index `i`, and notes a change.
    #[inline]
    fn write_at(&mut self, i: usize) {
        let seq = self.write_seq;
        if let Some(v) = self.at(i) {
            v.lock.vma_start_write(seq);
        }
        self.wrote = true;
        self.changed = true;
    }

    /// `vma_start_write` on the VMA containing `addr`, the tree itself
    /// unchanged (its entries are about to change: `move_vma` moves them).
    pub fn vma_start_write(&mut self, addr: u64) {
        if let Some(v) = self.lookup(addr) {
            v.lock.vma_start_write(self.write_seq);
            self.wrote = true;
        }
    }

    /// `vma_start_write` on every VMA, the tree itself unchanged (`dup_mmap`
    /// write-protects the parent's private pages).
    pub fn vma_start_write_all(&mut self) {
        for v in self.vmas.iter().chain(self.back.iter()) {
            v.lock.vma_start_write(self.write_seq);
        }
        self.wrote = true;
    }

    /// The copy of the tree that faults read without the `mmap_lock`: the
    /// same VMAs, shared until the tree changes one ([`own`]).
    pub(crate) fn rcu_copy(&self) -> VmaTree {
        VmaTree {
            ends: self.ends.clone(),
            vmas: self.vmas.clone(),
            back_ends: self.back_ends.clone(),
            back: self.back.clone(),
            write_seq: 0,
            wrote: false,
            changed: false,
        }
    }

    /// Index of the first VMA that ends above `addr`.
    #[inline]
    fn index_after(&self, addr: u64) -> usize {
        let i = self.ends.partition_point(|&e| e <= addr);
        if i < self.vmas.len() {
            return i;
        }
        i + self.back_ends.len() - self.back_ends.partition_point(|&e| e > addr)
    }

    /// The VMA at index `i`.
    #[inline]
    fn at(&self, i: usize) -> Option<&Vma> {
        match i.checked_sub(self.vmas.len()) {
            None => Some(&*self.vmas[i]),
            Some(j) => self.back.len().checked_sub(j + 1).map(|k| &*self.back[k]),
        }
    }

    /// The VMA at index `i`, mutably, and its entry in the end array.
    fn at_mut(&mut self, i: usize) -> Option<(&mut Vma, &mut u64)> {
        match i.checked_sub(self.vmas.len()) {
            None => Some((own(&mut self.vmas[i]), &mut self.ends[i])),
            Some(j) => {
                let k = self.back.len().checked_sub(j + 1)?;
                Some((own(&mut self.back[k]), &mut self.back_ends[k]))
            }
        }
    }

    /// End of the VMA at index `i`.
    fn end_at(&self, i: usize) -> u64 {
        self.at(i).expect("index in range").end
    }

    /// Moves the gap so that the `i` lowest VMAs are below it.
    fn move_gap(&mut self, i: usize) {
        while self.vmas.len() > i {
            self.back_ends.push(self.ends.pop().expect("ends match vmas"));
            self.back.push(self.vmas.pop().expect("non-empty"));
        }
        while self.vmas.len() < i {
            self.ends.push(self.back_ends.pop().expect("ends match vmas"));
            self.vmas.push(self.back.pop().expect("index in range"));
        }
    }

    /// The VMAs with indices in `[from, to)`, ascending.
    fn slice(&self, from: usize, to: usize) -> impl DoubleEndedIterator<Item = &Vma> {
        let f = self.vmas.len();
        let b = self.back.len();
        let (bf, bt) = (from.max(f) - f, to.max(f) - f);
        self.vmas[from.min(f)..to.min(f)].iter().chain(self.back[b - bt..b - bf].iter().rev()).map(|e| &**e)
    }

    /// `find_vma`: the first VMA that ends above `addr` (it may start above
    /// `addr` too).
    #[inline]
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        let i = self.ends.partition_point(|&e| e <= addr);
        match self.vmas.get(i) {
            Some(v) => Some(&**v),
            None => self.find_above_gap(addr),
        }
    }

    /// `find` among the VMAs above the gap.
    fn find_above_gap(&self, addr: u64) -> Option<&Vma> {
        let k = self.back_ends.partition_point(|&e| e > addr);
        k.checked_sub(1).map(|k| &*self.back[k])
    }

    /// `vma_lookup`: the VMA containing `addr`.
    #[inline]
    pub fn lookup(&self, addr: u64) -> Option<&Vma> {
        self.find(addr).filter(|v| v.start <= addr)
    }

    /// The VMA containing `addr`, mutably.  Its bounds must not change.
    pub fn lookup_mut(&mut self, addr: u64) -> Option<&mut Vma> {
        let i = self.index_after(addr);
        if self.at(i)?.start > addr {
            return None;
        }
        self.write_at(i);
        self.at_mut(i).map(|(v, _)| v)
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
        self.index_starting_below(addr).checked_sub(1).and_then(|i| self.at(i))
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
        if self.at(i).is_some_and(|v| v.start < addr) { i + 1 } else { i }
    }

    /// The first VMA that starts at or above `addr`.
    pub fn next_from(&self, addr: u64) -> Option<&Vma> {
        let i = self.index_after(addr);
        self.slice(i, self.len()).find(|v| v.start >= addr)
    }

    /// `find_vma_intersection`: the first VMA overlapping `[start, end)`.
    #[inline]
    pub fn find_intersection(&self, start: u64, end: u64) -> Option<&Vma> {
        self.find(start).filter(|v| v.start < end)
    }

    /// VMAs overlapping `[start, end)`, ascending.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        self.slice(self.index_after(start), self.len()).take_while(move |v| v.start < end)
    }

    /// VMAs that start below `addr`, highest first.
    pub fn below(&self, addr: u64) -> impl Iterator<Item = &Vma> {
        self.slice(0, self.index_starting_below(addr)).rev()
    }

    /// VMAs that end above `addr`, lowest first.
    pub fn above(&self, addr: u64) -> impl Iterator<Item = &Vma> {
        self.slice(self.index_after(addr), self.len())
    }

    /// Every VMA, ascending.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> {
        self.vmas.iter().chain(self.back.iter().rev()).map(|e| &**e)
    }

    /// Inserts a VMA (`vma_link`).
    ///
    /// # Panics
    /// If it overlaps an existing VMA: callers make room first, so an
    /// overlap is a simulator bug.
    pub fn insert(&mut self, vma: Vma) {
        assert!(vma.start < vma.end, "empty VMA {:#x}-{:#x}", vma.start, vma.end);
        self.changed = true;
        let i = self.index_after(vma.start);
        if let Some(o) = self.at(i).filter(|o| o.start < vma.end) {
            panic!("VMA {:#x}-{:#x} overlaps {:#x}-{:#x}", vma.start, vma.end, o.start, o.end);
        }
        self.move_gap(i);
        self.ends.push(vma.end);
        self.vmas.push(Arc::new(vma));
    }

    /// Changes the VMA starting at `start` in place, its bounds included;
    /// returns what `f` returns.
    ///
    /// # Panics
    /// If the new bounds are empty or reach into a neighbour: a simulator
    /// bug.
    pub fn modify<R>(&mut self, start: u64, f: impl FnOnce(&mut Vma) -> R) -> Option<R> {
        let i = self.index_after(start);
        if self.at(i)?.start != start {
            return None;
        }
        self.write_at(i);
        let r = f(self.at_mut(i).expect("VMA exists").0);
        let v = self.at(i).expect("VMA exists");
        assert!(v.start < v.end, "VMA {:#x}-{:#x} made empty", v.start, v.end);
        assert!(i == 0 || self.end_at(i - 1) <= v.start, "VMA {:#x}-{:#x} grew into its predecessor", v.start, v.end);
        assert!(
            self.at(i + 1).is_none_or(|n| v.end <= n.start),
            "VMA {:#x}-{:#x} grew into its successor",
            v.start,
            v.end
        );
        let (v, end) = self.at_mut(i).expect("VMA exists");
        *end = v.end;
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
        assert!(
            self.at(i).is_some_and(|v| v.start == start && start < addr && addr < v.end),
            "split of {start:#x} at {addr:#x}"
        );
        self.write_at(i);
        // The lower part stays below the gap, the upper one goes right
        // above it.
        self.move_gap(i + 1);
        let seq = self.write_seq;
        let lower = own(self.vmas.last_mut().expect("VMA exists"));
        // vm_area_dup: a new VMA, write-locked by this writer already.
        let mut upper = lower.copy_with_lock(Arc::new(super::vma::VmaLock::write_locked(seq)));
        upper.pgoff += (addr - start) >> crate::types::PAGE_SHIFT;
        upper.start = addr;
        lower.end = addr;
        *self.ends.last_mut().expect("ends match vmas") = addr;
        self.back_ends.push(upper.end);
        self.back.push(Arc::new(upper));
    }

    /// Removes every VMA overlapping `[start, end)` at once (one move of
    /// the gap, however many there are), ascending.
    ///
    /// # Panics
    /// If a VMA reaches out of the range: callers split at its edges first,
    /// so that is a simulator bug.
    pub fn remove_range(&mut self, start: u64, end: u64) -> impl DoubleEndedIterator<Item = Vma> + '_ {
        let i = self.index_after(start);
        let n = self.slice(i, self.len()).take_while(|v| v.start < end).count();
        if n > 0 {
            let (first, last) = (self.at(i).expect("in range"), self.at(i + n - 1).expect("in range"));
            assert!(
                first.start >= start && last.end <= end,
                "removal of {start:#x}-{end:#x} cuts {:#x}-{:#x}",
                if first.start < start { first.start } else { last.start },
                if first.start < start { first.end } else { last.end }
            );
        }
        self.move_gap(i);
        let k = self.back.len() - n;
        for v in &self.back[k..] {
            v.lock.vma_start_write(self.write_seq);
        }
        self.wrote = true;
        self.changed = true;
        self.back_ends.truncate(k);
        // Above the gap the VMAs are stored highest first.
        self.back.drain(k..).rev().map(take)
    }

    /// Removes every VMA (`exit_mmap`), ascending.
    pub fn remove_all(&mut self) -> Vec<Vma> {
        self.vma_start_write_all();
        self.changed = true;
        self.ends.clear();
        self.back_ends.clear();
        let mut all: Vec<Vma> = std::mem::take(&mut self.vmas).into_iter().map(take).collect();
        all.extend(self.back.drain(..).rev().map(take));
        all
    }

    /// Inserts VMAs that are ascending and fit, together, in one gap
    /// between VMAs (`reattach_vmas`): one move of the gap.
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
        assert!(i == 0 || self.end_at(i - 1) <= first.start, "VMA run at {:#x} overlaps", first.start);
        if let Some(o) = self.at(i).filter(|o| o.start < last.end) {
            panic!("VMA run {:#x}-{:#x} overlaps {:#x}-{:#x}", first.start, last.end, o.start, o.end);
        }
        for w in vmas.windows(2) {
            assert!(w[0].start < w[0].end && w[0].end <= w[1].start, "VMA run not ascending at {:#x}", w[1].start);
        }
        assert!(last.start < last.end, "empty VMA {:#x}-{:#x}", last.start, last.end);
        self.changed = true;
        self.move_gap(i);
        self.ends.extend(vmas.iter().map(|v| v.end));
        self.vmas.extend(vmas.into_iter().map(Arc::new));
    }

    /// Removes the VMA starting at `start`.
    pub fn remove(&mut self, start: u64) -> Option<Vma> {
        let i = self.index_after(start);
        if self.at(i)?.start != start {
            return None;
        }
        self.write_at(i);
        // It goes from right above the gap.
        self.move_gap(i);
        self.back_ends.pop();
        self.back.pop().map(take)
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
            lock: Default::default(),
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
        let gone: Vec<Vma> = t.remove_range(0x13000, 0x17000).collect();
        assert_eq!(gone.iter().map(|v| v.start).collect::<Vec<_>>(), vec![0x14000, 0x16000]);
        assert_eq!(t.len(), 8);
        assert_eq!(t.find(0x13000).map(|v| v.start), Some(0x18000));
        assert!(t.remove_range(0x15000, 0x16000).next().is_none());
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

    /// Every lookup agrees with a plain sorted list, wherever the gap is
    /// left by a mix of insertions, removals, splits, changes and range
    /// removals.
    #[test]
    fn lookups_across_the_gap() {
        let mut t = VmaTree::default();
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..3000 {
            let page = |p: u64| p << 12;
            match rand(5) {
                0 | 1 => {
                    let (s, len) = (rand(200), 1 + rand(4));
                    if !model.iter().any(|&(a, b)| a < page(s + len) && page(s) < b) {
                        t.insert(vma(page(s), page(s + len)));
                        model.push((page(s), page(s + len)));
                    }
                }
                2 if !model.is_empty() => {
                    let (a, _) = model.remove(rand(model.len() as u64) as usize);
                    assert_eq!(t.remove(a).map(|v| v.start), Some(a));
                }
                3 if !model.is_empty() => {
                    let k = rand(model.len() as u64) as usize;
                    let (a, b) = model[k];
                    if b - a > page(1) {
                        t.split(a, a + page(1));
                        model[k].1 = a + page(1);
                        model.push((a + page(1), b));
                    } else if !model.iter().any(|&(c, _)| c == b) && b < page(300) {
                        // Grow into the free page above, through modify.
                        assert_eq!(t.modify(a, |v| v.end += page(1)), Some(()));
                        model[k].1 += page(1);
                    }
                }
                _ => {
                    let (s, e) = (page(rand(200)), page(rand(200)));
                    if model.iter().all(|&(a, b)| b <= s || e <= a || (s <= a && b <= e)) {
                        let mut gone: Vec<_> = model.iter().copied().filter(|&(a, _)| s <= a && a < e).collect();
                        gone.sort();
                        model.retain(|&(a, _)| !(s <= a && a < e));
                        assert_eq!(t.remove_range(s, e).map(|v| (v.start, v.end)).collect::<Vec<_>>(), gone);
                        if rand(2) == 0 && !gone.is_empty() {
                            t.insert_run(gone.iter().map(|&(a, b)| vma(a, b)));
                            model.extend(gone);
                        }
                    }
                }
            }
            model.sort();
            assert_eq!(t.len(), model.len());
            assert_eq!(t.iter().map(|v| (v.start, v.end)).collect::<Vec<_>>(), model);
            for p in [rand(310), rand(310), rand(310)].map(page) {
                let after = model.iter().find(|&&(_, b)| b > p).copied();
                assert_eq!(t.find(p).map(|v| (v.start, v.end)), after);
                assert_eq!(t.lookup(p).map(|v| (v.start, v.end)), after.filter(|&(a, _)| a <= p));
                let prev = model.iter().rev().find(|&&(a, _)| a < p).copied();
                assert_eq!(t.prev(p).map(|v| (v.start, v.end)), prev);
                let next = model.iter().find(|&&(a, _)| a >= p).copied();
                assert_eq!(t.next_from(p).map(|v| (v.start, v.end)), next);
                let q = p + page(rand(20));
                let over: Vec<_> = model.iter().copied().filter(|&(a, b)| b > p && a < q).collect();
                assert_eq!(t.overlapping(p, q).map(|v| (v.start, v.end)).collect::<Vec<_>>(), over);
                let below: Vec<_> = model.iter().rev().copied().filter(|&(a, _)| a < p).collect();
                assert_eq!(t.below(p).map(|v| (v.start, v.end)).collect::<Vec<_>>(), below);
                let above: Vec<_> = model.iter().copied().filter(|&(_, b)| b > p).collect();
                assert_eq!(t.above(p).map(|v| (v.start, v.end)).collect::<Vec<_>>(), above);
                assert_eq!(t.iter().rev().count(), model.len());
            }
        }
        assert_eq!(t.remove_all().iter().map(|v| (v.start, v.end)).collect::<Vec<_>>(), model);
        assert!(t.is_empty());
    }

    #[test]
    #[should_panic(expected = "cuts")]
    fn removing_part_of_a_vma_is_a_bug() {
        let mut t = VmaTree::default();
        t.insert(vma(0x1000, 0x3000));
        t.remove_range(0x2000, 0x4000).for_each(drop);
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
