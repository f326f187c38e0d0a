//! `mincore` (mm/mincore.c: `do_mincore`, `mincore_pte_range`,
//! `mincore_page`, `mincore_swap`).
//!
//! One byte per page of the range, 1 when the page is resident: a
//! present entry (the zero page and `PROT_NONE` entries included); for a
//! page the tables do not map, the file's page cache at that offset (a
//! file mapping, private or shared, whatever the process did with it), or
//! nothing (anonymous memory); for a swap entry, whether the swap cache
//! still holds the page.

use super::{MmStruct, Vma};
use crate::arch::Pte;
use crate::errno::{Errno, SysResult};
use crate::fs::pagecache::CacheEntry;
use crate::swap::SwpEntry;
use crate::trace_enter;
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE};

impl MmStruct {
    /// The `mincore` system call: the residency of each page of
    /// `[start, start + len)` (what the kernel writes to `vec`).  `start`
    /// must be page aligned (`EINVAL`); a range past the user address
    /// space or with a hole is `ENOMEM`.
    pub fn do_mincore(&self, start: u64, len: u64) -> SysResult<Vec<u8>> {
        if start & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        // access_ok: below TASK_SIZE_MAX.
        if start.checked_add(len).is_none_or(|e| e > self.machine.arch.task_size()) {
            return Err(Errno::ENOMEM);
        }
        let pages = (len >> PAGE_SHIFT) + u64::from(len & !PAGE_MASK != 0);
        let st = self.mmap_lock.read();
        let _t = trace_enter!(self.machine.trace, "mincore", "{:#x}, {} pages", start, pages);
        let mut vec = Vec::with_capacity(pages.min(1 << 20) as usize);
        let mut addr = start;
        let end = start + (pages << PAGE_SHIFT);
        while addr < end {
            // do_mincore: one VMA at a time.
            let vma = st.vmas.lookup(addr).ok_or(Errno::ENOMEM)?;
            let vend = vma.end.min(end);
            while addr < vend {
                vec.push(self.mincore_pte(vma, addr));
                addr += PAGE_SIZE;
            }
        }
        Ok(vec)
    }

    /// `mincore_pte_range` for one page.
    fn mincore_pte(&self, vma: &Vma, addr: u64) -> u8 {
        let m = &*self.machine;
        match self.lookup_pte(addr) {
            Pte::None => match vma.file() {
                // __mincore_unmapped_range -> mincore_page
                Some(f) => match f.inode.mapping.get_entry(vma.linear_page_index(addr)) {
                    Some(CacheEntry::Page(pfn)) => u8::from(m.phys.page(pfn).test(crate::flags::PageFlags::UPTODATE)),
                    Some(CacheEntry::Swap(e)) => u8::from(m.swap_cache_has_page(e)),
                    Some(CacheEntry::Shadow(_)) | None => 0,
                },
                None => 0,
            },
            Pte::Page { .. } => 1,
            Pte::Swap { ty, offset, .. } => u8::from(m.swap_cache_has_page(SwpEntry { ty, offset })),
        }
    }
}
