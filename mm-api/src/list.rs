//! `struct list_head` for reclaim lists: a doubly linked list of pages
//! threaded through their `struct page`s, so adding, removing and moving a
//! page costs a few stores and no allocation.

use crate::phys::PhysMem;
use crate::types::Pfn;
use std::sync::atomic::Ordering;

const NIL: u32 = u32::MAX;

/// A list of pages linked through their `struct page`s.
///
/// A page is on at most one list at a time; the owner of the lists (a
/// reclaim policy) keeps them under its lock and records in the page (its
/// flags or [`Page::policy`](crate::phys::Page::policy) word) which list
/// that is.  Head is the most recently added end.  A large folio kept
/// whole is one entry, its head page, and counts its
/// [`folio_nr_pages`](PhysMem::folio_nr_pages) in the list's length, as
/// the kernel's lists count `nr_pages`.
#[derive(Debug)]
pub struct PageList {
    head: u32,
    tail: u32,
    /// Pages, a large folio counting all of its own.
    len: u64,
    /// Entries linked.
    entries: u64,
}

impl Default for PageList {
    fn default() -> Self {
        PageList { head: NIL, tail: NIL, len: 0, entries: 0 }
    }
}

#[inline]
fn opt(v: u32) -> Option<Pfn> {
    (v != NIL).then_some(Pfn(u64::from(v)))
}

impl PageList {
    /// Pages on the list (a large folio counts all of its pages).
    #[inline]
    pub fn len(&self) -> u64 {
        self.len
    }
    /// True if no page is on the list.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The most recently added page.
    #[inline]
    pub fn head(&self) -> Option<Pfn> {
        opt(self.head)
    }
    /// The least recently added page.
    #[inline]
    pub fn tail(&self) -> Option<Pfn> {
        opt(self.tail)
    }
    /// The page before `pfn` (towards the head).
    #[inline]
    pub fn prev(&self, phys: &PhysMem, pfn: Pfn) -> Option<Pfn> {
        opt(phys.page(pfn).lru_prev.load(Ordering::Relaxed))
    }
    /// The page after `pfn` (towards the tail).
    #[inline]
    pub fn next(&self, phys: &PhysMem, pfn: Pfn) -> Option<Pfn> {
        opt(phys.page(pfn).lru_next.load(Ordering::Relaxed))
    }

    /// What the list holds, for pictures: its length, up to `max` pages
    /// from the head and, of the rest, up to `max` pages ending at the
    /// tail, each in list order (most recent first).  Reads at most
    /// `2 * max` pages.
    pub fn view(&self, phys: &PhysMem, name: &'static str, max: usize) -> crate::reclaim::LruListView {
        let mut head = Vec::new();
        let mut cur = self.head();
        while let Some(p) = cur {
            if head.len() >= max {
                break;
            }
            head.push(p);
            cur = self.next(phys, p);
        }
        let rest = (self.entries as usize).saturating_sub(head.len()).min(max);
        let mut tail = Vec::with_capacity(rest);
        let mut cur = self.tail();
        while let Some(p) = cur {
            if tail.len() >= rest {
                break;
            }
            tail.push(p);
            cur = self.prev(phys, p);
        }
        tail.reverse();
        crate::reclaim::LruListView { name, len: self.len, head, tail }
    }

    /// Adds `pfn` at the head (`list_add`).
    #[inline]
    pub fn push_head(&mut self, phys: &PhysMem, pfn: Pfn) {
        let p = phys.page(pfn);
        let v = pfn.0 as u32;
        p.lru_prev.store(NIL, Ordering::Relaxed);
        p.lru_next.store(self.head, Ordering::Relaxed);
        match opt(self.head) {
            Some(h) => phys.page(h).lru_prev.store(v, Ordering::Relaxed),
            None => self.tail = v,
        }
        self.head = v;
        self.len += phys.folio_nr_pages(pfn);
        self.entries += 1;
    }

    /// Adds `pfn` at the tail (`list_add_tail`).
    #[inline]
    pub fn push_tail(&mut self, phys: &PhysMem, pfn: Pfn) {
        let p = phys.page(pfn);
        let v = pfn.0 as u32;
        p.lru_next.store(NIL, Ordering::Relaxed);
        p.lru_prev.store(self.tail, Ordering::Relaxed);
        match opt(self.tail) {
            Some(t) => phys.page(t).lru_next.store(v, Ordering::Relaxed),
            None => self.head = v,
        }
        self.tail = v;
        self.len += phys.folio_nr_pages(pfn);
        self.entries += 1;
    }

    /// Unlinks `pfn`, which must be on this list (`list_del`).
    #[inline]
    pub fn remove(&mut self, phys: &PhysMem, pfn: Pfn) {
        let p = phys.page(pfn);
        let prev = p.lru_prev.load(Ordering::Relaxed);
        let next = p.lru_next.load(Ordering::Relaxed);
        match opt(prev) {
            Some(q) => phys.page(q).lru_next.store(next, Ordering::Relaxed),
            None => {
                debug_assert_eq!(self.head, pfn.0 as u32, "removing a page that is not on the list");
                self.head = next;
            }
        }
        match opt(next) {
            Some(q) => phys.page(q).lru_prev.store(prev, Ordering::Relaxed),
            None => self.tail = prev,
        }
        p.lru_prev.store(NIL, Ordering::Relaxed);
        p.lru_next.store(NIL, Ordering::Relaxed);
        self.len -= phys.folio_nr_pages(pfn);
        self.entries -= 1;
    }

    /// `lru_add_split_folio` for each page of a large folio: the folio
    /// `head` (on this list) becomes its `nr` pages in its place, page 1
    /// just before the head (towards the list's head), page 2 before page
    /// 1, and so on: the order they would have had had they been added
    /// one by one.  The pages stay counted: the caller no longer counts
    /// the head as the whole folio (it cleared `PG_large_rmappable`).
    pub fn split_folio(&mut self, phys: &PhysMem, head: Pfn, nr: u64) {
        let mut at = head;
        for i in 1..nr {
            let pfn = Pfn(head.0 + i);
            let v = pfn.0 as u32;
            let a = phys.page(at);
            let prev = a.lru_prev.load(Ordering::Relaxed);
            let p = phys.page(pfn);
            p.lru_next.store(at.0 as u32, Ordering::Relaxed);
            p.lru_prev.store(prev, Ordering::Relaxed);
            a.lru_prev.store(v, Ordering::Relaxed);
            match opt(prev) {
                Some(q) => phys.page(q).lru_next.store(v, Ordering::Relaxed),
                None => self.head = v,
            }
            at = pfn;
        }
        self.entries += nr.saturating_sub(1);
    }

    /// Removes and returns the tail page.
    #[inline]
    pub fn pop_tail(&mut self, phys: &PhysMem) -> Option<Pfn> {
        let t = self.tail()?;
        self.remove(phys, t);
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PAGE_SIZE;

    #[test]
    fn links_add_remove_and_pop_in_order() {
        let phys = PhysMem::new(16 * PAGE_SIZE);
        let mut l = PageList::default();
        for i in 0..5 {
            l.push_head(&phys, Pfn(i));
        }
        l.push_tail(&phys, Pfn(9));
        assert_eq!(l.len(), 6);
        l.remove(&phys, Pfn(2));
        l.remove(&phys, Pfn(4));
        l.remove(&phys, Pfn(9));
        let v = l.view(&phys, "l", 1);
        assert_eq!((v.len, v.head.as_slice(), v.tail.as_slice()), (3, &[Pfn(3)][..], &[Pfn(0)][..]));
        let v = l.view(&phys, "l", 8);
        assert_eq!((v.head.as_slice(), v.tail.len()), (&[Pfn(3), Pfn(1), Pfn(0)][..], 0));
        let mut out = Vec::new();
        while let Some(p) = l.pop_tail(&phys) {
            out.push(p.0);
        }
        assert_eq!(out, vec![0, 1, 3]);
        assert!(l.is_empty() && l.head().is_none() && l.tail().is_none());
    }

    #[test]
    fn a_large_folio_counts_its_pages_and_splits_in_place() {
        use crate::flags::PageFlags;
        let phys = PhysMem::new(32 * PAGE_SIZE);
        let mut l = PageList::default();
        l.push_head(&phys, Pfn(0));
        // An order-2 folio at 4, kept whole.
        phys.page(Pfn(4)).set_flags(PageFlags::LARGE_RMAPPABLE);
        phys.page(Pfn(5)).private.store(2, Ordering::Relaxed);
        l.push_head(&phys, Pfn(4));
        l.push_head(&phys, Pfn(9));
        assert_eq!(l.len(), 6);
        // A picture shows each entry once.
        let v = l.view(&phys, "l", 2);
        assert_eq!((v.head.as_slice(), v.tail.as_slice()), (&[Pfn(9), Pfn(4)][..], &[Pfn(0)][..]));
        phys.page(Pfn(4)).clear_flags(PageFlags::LARGE_RMAPPABLE);
        l.split_folio(&phys, Pfn(4), 4);
        assert_eq!(l.len(), 6);
        let v = l.view(&phys, "l", 8);
        assert_eq!(v.head, [9, 7, 6, 5, 4, 0].map(Pfn));
        let mut out = Vec::new();
        while let Some(p) = l.pop_tail(&phys) {
            out.push(p.0);
        }
        assert_eq!(out, vec![0, 4, 5, 6, 7, 9]);
        assert!(l.is_empty());
    }
}
