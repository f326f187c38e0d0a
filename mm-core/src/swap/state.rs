//! The swap cache (mm/swap_state.c) and swap I/O (mm/page_io.c): pages on
//! their way to or from a swap slot, found by slot.
//!
//! A page in the swap cache has `PG_swapcache`, its entry in `private`,
//! the slot's `SWAP_HAS_CACHE` bit, and one reference held by the cache.

use super::{SHADOW_BIT, SwpEntry, cache_word};
use crate::alloc::Gfp;
use crate::errno::Errno;
use crate::flags::PageFlags;
use crate::machine::Machine;
use crate::types::{PAGE_SIZE, Pfn};
use crate::vmscan::folio_try_get;
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use std::sync::atomic::Ordering;

thread_local! {
    /// The page buffers swap I/O goes through, one for reads and one for
    /// writes (which stays mostly clean when mostly-zero pages go out).
    static SWAP_BUF: std::cell::RefCell<Box<[u8; PAGE_SIZE as usize]>> =
        std::cell::RefCell::new(Box::new([0; PAGE_SIZE as usize]));
    static SWAP_OUT_BUF: std::cell::RefCell<crate::phys::FrameBuf> =
        std::cell::RefCell::new(crate::phys::FrameBuf::default());
}

impl Machine {
    /// The swap entry of a page in the swap cache (`folio->swap`).
    #[inline]
    pub fn page_swap_entry(&self, pfn: Pfn) -> Option<SwpEntry> {
        let page = self.phys.page(pfn);
        page.test(PageFlags::SWAPCACHE).then(|| SwpEntry::from_word(page.private.load(Ordering::Acquire)))
    }

    /// `add_to_swap_cache`: `pfn` becomes the cached page of `entry`,
    /// whose `SWAP_HAS_CACHE` the caller holds; the cache takes a
    /// reference.  Returns the shadow entry the slot held, if any.
    fn add_to_swap_cache(&self, pfn: Pfn, entry: SwpEntry) -> Option<u64> {
        let si = self.swap.info(entry.ty).expect("entry of a live swap area");
        let page = self.phys.page(pfn);
        self.get_page(pfn);
        page.private.store(entry.to_word(), Ordering::Release);
        page.set_flags(PageFlags::SWAPCACHE | PageFlags::SWAPBACKED);
        let old = si.cache_slot(entry.offset).swap(cache_word(pfn), Ordering::AcqRel);
        debug_assert!(old == 0 || old & SHADOW_BIT != 0, "slot {entry:?} already caches a page");
        (old & SHADOW_BIT != 0).then_some(old)
    }

    /// `add_to_swap`: gives an anonymous page a swap slot and puts it in
    /// the swap cache, dirty so that reclaim writes it.  False if swap is
    /// full.
    pub(crate) fn add_to_swap(&self, pfn: Pfn) -> bool {
        let Some(entry) = self.swap.get_swap_page(crate::smp::smp_processor_id()) else {
            trace_note!(self.trace, "add_to_swap", "pfn {:#x}: no free swap slot", pfn.0);
            return false;
        };
        self.add_to_swap_cache(pfn, entry);
        self.phys.page(pfn).set_flags(PageFlags::DIRTY);
        trace_note!(self.trace, "add_to_swap", "pfn {:#x} -> swap type {} offset {:#x}", pfn.0, entry.ty, entry.offset);
        true
    }

    /// `folio_alloc_swap` of the large folio of `nr` pages headed by
    /// `head`: a cluster's contiguous slots, page `i` in slot `first + i`,
    /// every page in the swap cache and dirty.  False, and nothing
    /// changed, if no area can give them (a swap file; no free cluster).
    pub(crate) fn folio_alloc_swap_large(&self, head: Pfn, nr: u64) -> bool {
        let Some(entry) = self.swap.get_swap_pages(nr) else {
            trace_note!(self.trace, "folio_alloc_swap", "folio {:#x}: no {} contiguous swap slots", head.0, nr);
            return false;
        };
        for i in 0..nr {
            let pfn = Pfn(head.0 + i);
            self.add_to_swap_cache(pfn, SwpEntry { ty: entry.ty, offset: entry.offset + i });
            self.phys.page(pfn).set_flags(PageFlags::DIRTY);
        }
        trace_note!(
            self.trace,
            "folio_alloc_swap",
            "folio {:#x} -> swap type {} offsets {:#x}-{:#x}",
            head.0,
            entry.ty,
            entry.offset,
            entry.offset + nr - 1
        );
        true
    }

    /// `__delete_from_swap_cache` + `put_swap_folio`: takes the page out of
    /// the swap cache, leaving `shadow` (or nothing) in the slot, and
    /// drops the cache's reference and `SWAP_HAS_CACHE`.
    pub(crate) fn delete_from_swap_cache(&self, pfn: Pfn, shadow: u64) {
        if self.__delete_from_swap_cache(pfn, shadow) {
            self.put_page(pfn);
        }
    }

    /// [`delete_from_swap_cache`](Self::delete_from_swap_cache) without
    /// dropping the cache's reference (the caller froze the count).
    /// False if the page was not in the swap cache.
    pub(crate) fn __delete_from_swap_cache(&self, pfn: Pfn, shadow: u64) -> bool {
        let Some(entry) = self.page_swap_entry(pfn) else {
            return false;
        };
        let page = self.phys.page(pfn);
        if let Some(si) = self.swap.info(entry.ty) {
            let _ = si.cache_slot(entry.offset).compare_exchange(
                cache_word(pfn),
                shadow,
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
        page.clear_flags(PageFlags::SWAPCACHE);
        page.private.store(0, Ordering::Release);
        self.swap.put_swap_folio(entry);
        true
    }

    /// `folio_free_swap` for a page the caller holds a reference on: if
    /// no entry refers to its slot any more, it leaves the swap cache,
    /// freeing the slot.  True if it did.  Skipped if another CPU has the
    /// page locked.
    pub(crate) fn folio_free_swap(&self, pfn: Pfn) -> bool {
        let page = self.phys.page(pfn);
        if !page.trylock() {
            return false;
        }
        let r = self.folio_free_swap_locked(pfn);
        page.unlock();
        r
    }

    /// [`folio_free_swap`](Self::folio_free_swap) with the page locked.
    pub(crate) fn folio_free_swap_locked(&self, pfn: Pfn) -> bool {
        let Some(entry) = self.page_swap_entry(pfn) else {
            return false;
        };
        let page = self.phys.page(pfn);
        if self.swap.swap_count(entry) > 0 || page.test(PageFlags::WRITEBACK) {
            return false;
        }
        self.delete_from_swap_cache(pfn, 0);
        true
    }

    /// Whether the swap cache holds a page for `entry` (`mincore_swap`;
    /// the model reads swap synchronously, so a cached page is up to
    /// date): a look that takes no reference and counts no readahead hit.
    pub(crate) fn swap_cache_has_page(&self, entry: SwpEntry) -> bool {
        let Some(si) = self.swap.info(entry.ty) else { return false };
        let v = si.cache_slot(entry.offset).load(Ordering::Acquire);
        v != 0 && v & SHADOW_BIT == 0
    }

    /// `swap_cache_get_folio`: the page cached for `entry`, with a
    /// reference.  A hit on a page readahead brought in counts towards the
    /// next readahead window.
    pub(crate) fn swap_cache_get_folio(&self, entry: SwpEntry) -> Option<Pfn> {
        let si = self.swap.info(entry.ty)?;
        let v = si.cache_slot(entry.offset).load(Ordering::Acquire);
        if v == 0 || v & SHADOW_BIT != 0 {
            return None;
        }
        let pfn = Pfn(v - 1);
        if !folio_try_get(self.phys.page(pfn)) {
            return None;
        }
        if self.page_swap_entry(pfn) != Some(entry) {
            self.put_page(pfn);
            return None;
        }
        let page = self.phys.page(pfn);
        if page.clear_flags(PageFlags::READAHEAD).contains(PageFlags::READAHEAD) {
            self.vmstat.count(VmEvent::SwapRaHit, 1);
            self.swap.ra_hits.fetch_add(1, Ordering::Relaxed);
        }
        Some(pfn)
    }

    /// `__read_swap_cache_async`: the page for `entry` from the swap
    /// cache, or a new page read from the device into it.  Returns the
    /// page with a reference and whether it was read now; `None` if the
    /// slot is free or memory ran out.
    pub(crate) fn read_swap_cache_async(&self, entry: SwpEntry) -> Option<(Pfn, bool)> {
        loop {
            if let Some(p) = self.swap_cache_get_folio(entry) {
                return Some((p, false));
            }
            if self.swap.swap_count(entry) == 0 {
                return None;
            }
            let pfn = self.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0)?;
            if !self.swap.swapcache_prepare(entry) {
                self.put_page(pfn);
                if self.swap.swap_count(entry) == 0 {
                    return None;
                }
                // Another CPU is adding it: look again.
                std::hint::spin_loop();
                continue;
            }
            // The new page is locked until its bytes are in: whoever finds
            // it in the swap cache meanwhile waits (`folio_lock`).
            let page = self.phys.page(pfn);
            page.set_flags(PageFlags::LOCKED);
            let shadow = self.add_to_swap_cache(pfn, entry);
            if self.swap_read_folio(pfn, entry).is_err() {
                trace_note!(self.trace, "swap_read_folio", "offset {:#x}: I/O error", entry.offset);
                self.delete_from_swap_cache(pfn, 0);
                page.unlock();
                self.put_page(pfn);
                return None;
            }
            page.set_flags(PageFlags::UPTODATE);
            let activate = shadow.is_some_and(|s| self.workingset_refault(pfn, s, false));
            self.folio_add_lru(pfn, activate);
            page.unlock();
            return Some((pfn, true));
        }
    }

    /// `swapin_nr_pages`: the readahead window, grown by hits on earlier
    /// readahead pages and by faults on neighbouring slots, up to
    /// `2^page_cluster` pages, and shrunk at most by half at a time.
    fn swapin_nr_pages(&self, offset: u64) -> u64 {
        let max_pages = 1u32 << self.tunables.page_cluster.min(10);
        if max_pages <= 1 {
            return 1;
        }
        let s = &self.swap;
        let hits = s.ra_hits.swap(0, Ordering::Relaxed);
        let prev_offset = s.ra_prev_offset.load(Ordering::Relaxed);
        let prev_win = s.ra_last_pages.load(Ordering::Relaxed);
        let mut pages = hits + 2;
        if pages == 2 {
            if offset != prev_offset + 1 && offset != prev_offset.wrapping_sub(1) {
                pages = 1;
            }
        } else {
            pages = pages.next_power_of_two().max(4);
        }
        pages = pages.min(max_pages).max(prev_win / 2);
        if hits == 0 {
            s.ra_prev_offset.store(offset, Ordering::Relaxed);
        }
        s.ra_last_pages.store(pages, Ordering::Relaxed);
        u64::from(pages)
    }

    /// `swap_cluster_readahead`: reads the aligned block of slots around
    /// `entry` (`swapin_nr_pages` of them) into the swap cache, marking
    /// the extra pages `PG_readahead`, and returns the page of `entry`
    /// with a reference.
    pub(crate) fn swapin_readahead(&self, entry: SwpEntry) -> Option<Pfn> {
        let si = self.swap.info(entry.ty)?;
        let mask = self.swapin_nr_pages(entry.offset) - 1;
        if mask > 0 {
            let start = (entry.offset & !mask).max(1);
            let end = (entry.offset | mask).min(si.pages());
            let _t = trace_enter!(self.trace, "swap_cluster_readahead", "offsets {:#x}..={:#x}", start, end);
            let mut read = 0;
            for off in start..=end {
                if off == entry.offset {
                    continue;
                }
                if let Some((p, new)) = self.read_swap_cache_async(SwpEntry { ty: entry.ty, offset: off }) {
                    if new {
                        self.phys.page(p).set_flags(PageFlags::READAHEAD);
                        self.vmstat.count(VmEvent::SwapRa, 1);
                        read += 1;
                    }
                    self.put_page(p);
                }
            }
            trace_note!(self.trace, "swap_cluster_readahead", "{} more pages read", read);
            // The pages read ahead join the lists now.
            self.lru_add_drain();
        }
        self.read_swap_cache_async(entry).map(|(p, _)| p)
    }

    /// `swap_read_folio`: reads the slot into the frame.
    pub(crate) fn swap_read_folio(&self, pfn: Pfn, entry: SwpEntry) -> Result<(), Errno> {
        let si = self.swap.info(entry.ty).ok_or(Errno::EIO)?;
        SWAP_BUF.with_borrow_mut(|buf| {
            si.device.read_page(entry.offset, buf)?;
            self.phys.write_frame(pfn, buf);
            Ok::<(), Errno>(())
        })?;
        self.vmstat.count(VmEvent::PswpIn, 1);
        trace_note!(
            self.trace,
            "swap_read_folio",
            "{} offset {:#x} -> pfn {:#x}",
            si.device.name(),
            entry.offset,
            pfn.0
        );
        Ok(())
    }

    /// `swap_writepage`: writes the frame to its slot.
    pub(crate) fn swap_writepage(&self, pfn: Pfn, entry: SwpEntry) -> Result<(), Errno> {
        let si = self.swap.info(entry.ty).ok_or(Errno::EIO)?;
        let page = self.phys.page(pfn);
        page.set_flags(PageFlags::WRITEBACK);
        let r = SWAP_OUT_BUF.with_borrow_mut(|fb| {
            self.phys.read_frame_into(pfn, fb);
            si.device.write_page(entry.offset, fb.bytes())
        });
        page.clear_flags(PageFlags::WRITEBACK);
        r?;
        self.vmstat.count(VmEvent::PswpOut, 1);
        trace_note!(
            self.trace,
            "swap_writepage",
            "pfn {:#x} -> {} offset {:#x}",
            pfn.0,
            si.device.name(),
            entry.offset
        );
        Ok(())
    }

    /// `free_swap_and_cache`: an entry referring to `entry` went away; if
    /// it was the last, a page the swap cache still holds for the slot
    /// (read ahead, never mapped) is freed too.
    pub(crate) fn free_swap_and_cache(&self, entry: SwpEntry) {
        let Some((count, cached)) = self.swap.swap_free(entry) else {
            debug_assert!(false, "freeing a free swap entry {entry:?}");
            return;
        };
        if count > 0 || !cached {
            return;
        }
        // __try_to_reclaim_swap: a page nothing but the cache holds (and
        // LRU batches, whose references free it when they drain).
        if let Some(pfn) = self.swap_cache_get_folio(entry) {
            let page = self.phys.page(pfn);
            if page.trylock() {
                let expected = 2 + self.lru_add_batch_refs_of(pfn);
                if page.mapcount() == 0 && page.refcount() == expected && !page.test(PageFlags::WRITEBACK) {
                    self.delete_from_swap_cache(pfn, 0);
                }
                page.unlock();
            }
            self.put_page(pfn);
        }
    }
}
