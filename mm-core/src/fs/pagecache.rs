//! `struct address_space`: a file's page cache, indexed by page offset,
//! and the reverse map of the address spaces that map it (`i_mmap`).

use super::{AddressSpaceOperations, Inode};
use crate::arch::{Pte, PteFlags};
use crate::errno::SysResult;
use crate::flags::{PageFlags, VmFlags};
use crate::machine::Machine;
use crate::mm::MmStruct;
use crate::swap::{SHADOW_BIT, SwpEntry};
use crate::trace_note;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use ahash::AHashMap;
use parking_lot::Mutex;
use smallvec::SmallVec;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

/// Slots per node of [`PageIndex`] (`XA_CHUNK_SIZE`).
const XA_CHUNK: u64 = 64;

/// The page-cache index (`i_pages`): page offset -> frame, as an ahash map
/// of 64-slot nodes like the xarray's, so that neighbouring offsets (what
/// fault-around and readahead visit) share a node.
///
/// A slot holds `pfn + 1` with the order of the page's folio in bits
/// 52..56 (a folio of order N is 2^N contiguous frames at 2^N aligned
/// offsets, each slot holding its own frame, as a multi-index entry
/// covers them all), or a value entry (bit 63, as `xa_mk_value`): the
/// swap entry of a shmem page that is out on swap (bit 62 too), or the
/// shadow of an evicted page (`workingset_eviction`).
#[derive(Default)]
struct PageIndex {
    /// Node number (`index / 64`) -> slots, 0 if empty.
    nodes: AHashMap<u64, Box<[u64; XA_CHUNK as usize]>>,
    /// Pages (`nrpages`).
    len: usize,
    /// Folios of `MAX_PAGECACHE_ORDER` (`NR_SHMEM_THPS`, `NR_FILE_THPS`).
    nr_thps: usize,
    /// Pages of large folios (slots of order above 0), kept by
    /// [`PageIndex::set_raw`].
    large_pages: usize,
}

/// A value entry (not a page).
const VALUE_BIT: u64 = 1 << 63;
/// A value entry that is a swap entry.
const SWAP_VALUE_BIT: u64 = 1 << 62;
/// Where a page slot keeps its folio's order.
const ORDER_SHIFT: u32 = 52;
/// The frame bits of a page slot.
const PFN_MASK: u64 = (1 << ORDER_SHIFT) - 1;
/// `MAX_PAGECACHE_ORDER` on x86-64: a PMD's worth of pages.
pub const MAX_PAGECACHE_ORDER: u32 = 9;

/// The slot word of page `pfn` of a folio of `order`.
#[inline]
fn page_word(pfn: Pfn, order: u32) -> u64 {
    (pfn.0 + 1) | (u64::from(order) << ORDER_SHIFT)
}

/// What a page-cache slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheEntry {
    /// A page.
    Page(Pfn),
    /// A shmem page out on swap.
    Swap(SwpEntry),
    /// The shadow of an evicted page.
    Shadow(u64),
}

fn decode(v: u64) -> Option<CacheEntry> {
    match v {
        0 => None,
        v if v & SWAP_VALUE_BIT != 0 && v & VALUE_BIT != 0 => {
            Some(CacheEntry::Swap(SwpEntry::from_word(v & !(VALUE_BIT | SWAP_VALUE_BIT))))
        }
        v if v & VALUE_BIT != 0 => Some(CacheEntry::Shadow(v | SHADOW_BIT)),
        v => Some(CacheEntry::Page(Pfn((v & PFN_MASK) - 1))),
    }
}

/// The folio order of a page slot word.
#[inline]
fn word_order(v: u64) -> u32 {
    ((v >> ORDER_SHIFT) & 0xf) as u32
}

/// Whether a slot word is a page.
#[inline]
fn is_page_word(v: u64) -> bool {
    v != 0 && v & VALUE_BIT == 0
}

/// A large folio of the page cache as a lookup finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedFolio {
    /// The offset of its first page (`folio->index`).
    pub index: u64,
    /// Its first frame (the head page).
    pub pfn: Pfn,
    /// `folio_order`.
    pub order: u32,
}

impl CachedFolio {
    /// `folio_nr_pages`.
    pub fn nr_pages(&self) -> u64 {
        1 << self.order
    }
    /// `folio_next_index`.
    pub fn next_index(&self) -> u64 {
        self.index + self.nr_pages()
    }
}

impl PageIndex {
    #[inline]
    fn raw(&self, index: u64) -> u64 {
        self.nodes.get(&(index / XA_CHUNK)).map_or(0, |n| n[(index % XA_CHUNK) as usize])
    }

    #[inline]
    fn get(&self, index: u64) -> Option<Pfn> {
        match decode(self.raw(index)) {
            Some(CacheEntry::Page(p)) => Some(p),
            _ => None,
        }
    }

    /// Stores `v` at `index`, returning the old word; keeps `len` and
    /// drops emptied nodes.
    fn set_raw(&mut self, index: u64, v: u64) -> u64 {
        let key = index / XA_CHUNK;
        if v == 0 && !self.nodes.contains_key(&key) {
            return 0;
        }
        let node = self.nodes.entry(key).or_insert_with(|| Box::new([0; XA_CHUNK as usize]));
        let old = std::mem::replace(&mut node[(index % XA_CHUNK) as usize], v);
        self.len = self.len + usize::from(is_page_word(v)) - usize::from(is_page_word(old));
        let large = |w: u64| usize::from(is_page_word(w) && word_order(w) > 0);
        self.large_pages = self.large_pages + large(v) - large(old);
        if v == 0 && node.iter().all(|&w| w == 0) {
            self.nodes.remove(&key);
        }
        old
    }

    /// Stores `pfn` at `index` unless a page or swap entry is there;
    /// returns the shadow it replaced, or `Err` if occupied.
    fn insert(&mut self, index: u64, pfn: Pfn) -> Result<Option<u64>, ()> {
        match decode(self.raw(index)) {
            Some(CacheEntry::Page(_)) | Some(CacheEntry::Swap(_)) => Err(()),
            other => {
                self.set_raw(index, page_word(pfn, 0));
                Ok(match other {
                    Some(CacheEntry::Shadow(s)) => Some(s),
                    _ => None,
                })
            }
        }
    }

    /// The folio holding page `index`.
    #[inline]
    fn folio(&self, index: u64) -> Option<CachedFolio> {
        let v = self.raw(index);
        if !is_page_word(v) {
            return None;
        }
        let order = word_order(v);
        let head = index & !((1u64 << order) - 1);
        Some(CachedFolio { index: head, pfn: Pfn((v & PFN_MASK) - 1 - (index - head)), order })
    }

    /// `split_folio` as far as the index goes: every page of the folio
    /// holding `index` becomes a folio of its own.
    fn split(&mut self, index: u64) {
        let Some(f) = self.folio(index) else { return };
        if f.order == 0 {
            return;
        }
        if f.order == MAX_PAGECACHE_ORDER {
            self.nr_thps -= 1;
        }
        for i in 0..f.nr_pages() {
            let w = self.raw(f.index + i);
            self.set_raw(f.index + i, w & !(0xf << ORDER_SHIFT));
        }
    }

    /// `folio_split` as far as the index goes: the folio holding `index`
    /// is split into halves until `index` is a folio of its own; each half
    /// that does not hold it stays one folio of its order.
    fn split_at(&mut self, index: u64) {
        let Some(f) = self.folio(index) else { return };
        if f.order == 0 {
            return;
        }
        if f.order == MAX_PAGECACHE_ORDER {
            self.nr_thps -= 1;
        }
        let (mut head, mut order) = (f.index, f.order);
        let set_order = |pi: &mut Self, first: u64, n: u64, order: u32| {
            for i in first..first + n {
                let w = pi.raw(i);
                if is_page_word(w) {
                    pi.set_raw(i, (w & !(0xf << ORDER_SHIFT)) | (u64::from(order) << ORDER_SHIFT));
                }
            }
        };
        while order > 0 {
            order -= 1;
            let half = 1u64 << order;
            let (keep, next) = if index < head + half { (head + half, head) } else { (head, head + half) };
            set_order(self, keep, half, order);
            head = next;
        }
        set_order(self, index, 1, 0);
    }

    /// The pages in `[first, last]`, ascending.
    fn range(&self, first: u64, last: u64, out: &mut SmallVec<[(u64, Pfn); 16]>) {
        self.for_each_raw(first, last, |i, v| {
            if let Some(CacheEntry::Page(p)) = decode(v) {
                out.push((i, p));
            }
        });
    }

    /// Every non-empty slot in `[first, last]`, ascending.
    fn for_each_raw(&self, first: u64, last: u64, mut f: impl FnMut(u64, u64)) {
        if last - first < 4 * XA_CHUNK || (last - first) / XA_CHUNK < self.nodes.len() as u64 {
            let mut key = first / XA_CHUNK;
            while key <= last / XA_CHUNK {
                if let Some(node) = self.nodes.get(&key) {
                    let lo = (key * XA_CHUNK).max(first);
                    let hi = (key * XA_CHUNK + XA_CHUNK - 1).min(last);
                    for i in lo..=hi {
                        let v = node[(i % XA_CHUNK) as usize];
                        if v != 0 {
                            f(i, v);
                        }
                    }
                }
                key += 1;
            }
            return;
        }
        let mut keys: Vec<u64> =
            self.nodes.keys().copied().filter(|&k| k >= first / XA_CHUNK && k <= last / XA_CHUNK).collect();
        keys.sort_unstable();
        for key in keys {
            let node = &self.nodes[&key];
            for (j, &v) in node.iter().enumerate() {
                let i = key * XA_CHUNK + j as u64;
                if v != 0 && i >= first && i <= last {
                    f(i, v);
                }
            }
        }
    }

    /// Every page, ascending.
    fn all(&self) -> SmallVec<[(u64, Pfn); 16]> {
        let mut out = SmallVec::new();
        if self.len > 0 {
            self.range(0, u64::MAX, &mut out);
        }
        out
    }
}

/// `i_pages` locked for a change: when it is unlocked,
/// [`AddressSpace::large_pages`] takes the count of pages in large folios
/// the change left (before the unlock, which orders it for whoever takes
/// the lock next).
struct IPagesMut<'a> {
    pages: parking_lot::MutexGuard<'a, PageIndex>,
    large_pages: &'a AtomicUsize,
}

impl Drop for IPagesMut<'_> {
    fn drop(&mut self) {
        self.large_pages.store(self.pages.large_pages, Ordering::Relaxed);
    }
}

impl std::ops::Deref for IPagesMut<'_> {
    type Target = PageIndex;
    fn deref(&self) -> &PageIndex {
        &self.pages
    }
}

impl std::ops::DerefMut for IPagesMut<'_> {
    fn deref_mut(&mut self) -> &mut PageIndex {
        &mut self.pages
    }
}

/// A file's cached pages and its mappers.
pub struct AddressSpace {
    machine: Arc<Machine>,
    /// The inode number, stored in each page's `mapping` word.
    host: u64,
    /// `i_pages`: page offset -> frame.  The cache holds one reference on
    /// each frame.
    i_pages: Mutex<PageIndex>,
    /// The index's count of pages in large folios as its last change left
    /// it ([`IPagesMut`]): read without the lock, it tells a caller holding
    /// a cached page whether that page can be part of a large folio.
    large_pages: AtomicUsize,
    /// `a_ops`.
    pub a_ops: Arc<dyn AddressSpaceOperations>,
    /// `i_mmap`: the address spaces that have mapped the file
    /// (`__vma_link_file`); a walk looks up their VMAs of this file.
    i_mmap: Mutex<Vec<Weak<MmStruct>>>,
    /// `mapping_max_folio_order`: 0 unless the filesystem enabled large
    /// folios (`mapping_set_large_folios`).
    max_folio_order: AtomicU32,
    /// The readahead window of the backing device (`bdi->ra_pages`),
    /// which `file_ra_state_init` gives each open file.
    ra_pages: AtomicU64,
}

impl std::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressSpace").field("host", &self.host).field("nrpages", &self.nrpages()).finish()
    }
}

/// The `mapping` word of a page-cache page of inode `ino` (anonymous
/// pages have bit 0 set instead).
pub(crate) fn file_mapping_word(ino: u64) -> u64 {
    ino << 1
}

impl AddressSpace {
    pub(crate) fn new(machine: &Arc<Machine>, host: u64, a_ops: Arc<dyn AddressSpaceOperations>) -> AddressSpace {
        AddressSpace {
            machine: machine.clone(),
            host,
            i_pages: Mutex::new(PageIndex::default()),
            large_pages: AtomicUsize::new(0),
            a_ops,
            i_mmap: Mutex::new(Vec::new()),
            max_folio_order: AtomicU32::new(0),
            ra_pages: AtomicU64::new(super::filemap::DEFAULT_RA_PAGES),
        }
    }

    /// `i_pages` locked for a change.
    #[inline]
    fn i_pages_mut(&self) -> IPagesMut<'_> {
        IPagesMut { pages: self.i_pages.lock(), large_pages: &self.large_pages }
    }

    /// `mapping_set_large_folios`: the filesystem reads and caches the
    /// file in folios of up to [`MAX_PAGECACHE_ORDER`].
    pub fn mapping_set_large_folios(&self) {
        self.max_folio_order.store(MAX_PAGECACHE_ORDER, Ordering::Relaxed);
    }

    /// `mapping_large_folio_support`.
    pub fn mapping_large_folio_support(&self) -> bool {
        self.max_folio_order() > 0
    }

    /// `mapping_max_folio_order`.
    pub fn max_folio_order(&self) -> u32 {
        self.max_folio_order.load(Ordering::Relaxed)
    }

    /// Sets the readahead window files opened from now on get, in pages
    /// (`read_ahead_kb` of the device / 4).
    pub fn set_ra_pages(&self, pages: u64) {
        self.ra_pages.store(pages, Ordering::Relaxed);
    }

    /// The readahead window of the backing device, in pages.
    pub fn ra_pages(&self) -> u64 {
        self.ra_pages.load(Ordering::Relaxed)
    }

    /// The folio holding page `index`, if cached (no reference taken).
    #[inline]
    pub fn folio(&self, index: u64) -> Option<CachedFolio> {
        self.i_pages.lock().folio(index)
    }

    /// The folios with a page in `[first, last]`, ascending (a folio
    /// reaching before `first` included).
    pub fn folios_in(&self, first: u64, last: u64) -> SmallVec<[CachedFolio; 16]> {
        let mut out: SmallVec<[CachedFolio; 16]> = SmallVec::new();
        if first > last {
            return out;
        }
        self.i_pages.lock().for_each_raw(first, last, |i, v| {
            if !is_page_word(v) || out.last().is_some_and(|f: &CachedFolio| i < f.next_index()) {
                return;
            }
            let order = word_order(v);
            let head = i & !((1u64 << order) - 1);
            out.push(CachedFolio { index: head, pfn: Pfn((v & PFN_MASK) - 1 - (i - head)), order });
        });
        out
    }

    /// The machine whose frames cache the file.
    pub(crate) fn machine(&self) -> &Machine {
        &self.machine
    }

    /// Pages in the cache (`nrpages`).
    pub fn nrpages(&self) -> u64 {
        self.i_pages.lock().len as u64
    }

    /// Folios of [`MAX_PAGECACHE_ORDER`] in the cache: PMD-sized folios,
    /// what `ShmemHugePages` and `FileHugePages` count.
    pub fn nr_thps(&self) -> u64 {
        self.i_pages.lock().nr_thps as u64
    }

    /// `xa_find(XA_PRESENT)` over `[first, last]`: whether any slot there
    /// holds a page, a swap entry or a shadow.
    pub(crate) fn any_entry_in(&self, first: u64, last: u64) -> bool {
        let mut found = false;
        self.i_pages.lock().for_each_raw(first, last, |_, _| found = true);
        found
    }

    /// The frame caching page `index`, without taking a reference.
    pub fn peek(&self, index: u64) -> Option<Pfn> {
        self.i_pages.lock().get(index)
    }

    /// `folio_set_readahead` on the folio caching page `index`: it becomes
    /// the marker of a readahead window (fault-around skips it, and a
    /// fault on it starts the next window).  False if nothing caches
    /// `index`.
    pub fn folio_set_readahead(&self, index: u64) -> bool {
        let Some(pfn) = self.peek(index) else { return false };
        self.machine.phys.page(pfn).set_flags(PageFlags::READAHEAD);
        true
    }

    /// True if the page `pfn`, on which the caller holds a reference, is
    /// this cache's page `index`, by the page's own `mapping` and `index`
    /// words (`folio->mapping == mapping`): a page leaves the cache with
    /// its references frozen at 0 and its `mapping` cleared after, so a
    /// referenced page whose words name this cache is still in it.  No
    /// lock taken.
    #[inline]
    pub(crate) fn page_cached_at(&self, pfn: Pfn, index: u64) -> bool {
        let page = self.machine.phys.page(pfn);
        page.mapping.load(Ordering::Acquire) == file_mapping_word(self.host)
            && page.index.load(Ordering::Relaxed) == index
    }

    /// `filemap_get_folio`: the frame caching page `index`, with a
    /// reference for the caller.
    pub(crate) fn filemap_get_folio(&self, index: u64) -> Option<Pfn> {
        let pages = self.i_pages.lock();
        let pfn = pages.get(index)?;
        self.machine.get_page(pfn);
        Some(pfn)
    }

    /// `filemap_add_folio`: puts a freshly allocated frame (whose one
    /// reference becomes the cache's) in the cache at `index`.  Returns the
    /// frame already there instead, if any; the new one is then freed.
    ///
    /// The page goes on the reclaim lists; if it refaults soon after an
    /// eviction of the same page (its shadow entry says so), on the active
    /// side.  A slot holding a swap entry (a shmem page on swap) is
    /// occupied: `Err` with no frame then means "swapped out".
    pub(crate) fn filemap_add_folio(&self, index: u64, pfn: Pfn, flags: PageFlags) -> Result<(), Option<Pfn>> {
        let page = self.machine.phys.page(pfn);
        let mut pages = self.i_pages_mut();
        let shadow = match pages.insert(index, pfn) {
            Ok(shadow) => shadow,
            Err(()) => {
                let old = pages.get(index);
                drop(pages);
                self.machine.put_page(pfn);
                return Err(old);
            }
        };
        page.mapping.store(file_mapping_word(self.host), Ordering::Release);
        page.index.store(index, Ordering::Relaxed);
        page.set_flags(flags);
        drop(pages);
        let m = &*self.machine;
        let activate = shadow.is_some_and(|s| m.workingset_refault(pfn, s, !flags.contains(PageFlags::SWAPBACKED)));
        m.folio_add_lru(pfn, activate);
        Ok(())
    }

    /// `filemap_add_folio` of a folio of `order` > 0: the `2^order`
    /// frames from `pfn` (allocated together, then split: each holds one
    /// reference) go in the cache at `index` (a multiple of `2^order`) as
    /// one folio, all or none.  Each page is a page of its own for
    /// references, mappings and the reclaim lists, while the cache keeps
    /// them together: lookups see the folio, and its
    /// `PG_readahead` is the head's.  If a page of the range is cached
    /// already, nothing is added and the frames are freed: `EEXIST`.
    pub(crate) fn filemap_add_large_folio(&self, index: u64, pfn: Pfn, order: u32, flags: PageFlags) -> SysResult<()> {
        debug_assert!(order > 0 && order <= MAX_PAGECACHE_ORDER && index.is_multiple_of(1 << order));
        let nr = 1u64 << order;
        let m = &*self.machine;
        let mut pages = self.i_pages_mut();
        let occupied =
            (0..nr).any(|i| matches!(decode(pages.raw(index + i)), Some(CacheEntry::Page(_) | CacheEntry::Swap(_))));
        if occupied {
            drop(pages);
            for i in 0..nr {
                m.put_page(Pfn(pfn.0 + i));
            }
            return Err(crate::errno::Errno::EEXIST);
        }
        let mut shadows: SmallVec<[(Pfn, u64); 4]> = SmallVec::new();
        for i in 0..nr {
            let p = Pfn(pfn.0 + i);
            let old = pages.set_raw(index + i, page_word(p, order));
            if let Some(CacheEntry::Shadow(s)) = decode(old) {
                shadows.push((p, s));
            }
            let page = m.phys.page(p);
            page.mapping.store(file_mapping_word(self.host), Ordering::Release);
            page.index.store(index + i, Ordering::Relaxed);
            page.set_flags(if i == 0 { flags } else { flags - PageFlags::READAHEAD });
        }
        if order == MAX_PAGECACHE_ORDER {
            pages.nr_thps += 1;
        }
        drop(pages);
        // The folio refaults as one: its first shadow decides.
        let activate =
            shadows.first().is_some_and(|&(p, s)| m.workingset_refault(p, s, !flags.contains(PageFlags::SWAPBACKED)));
        m.folio_add_lru_large((0..nr).map(|i| Pfn(pfn.0 + i)), activate);
        Ok(())
    }

    /// The swap entries of pages out on swap (shmem), ascending.
    pub fn swap_entries(&self) -> Vec<SwpEntry> {
        let pages = self.i_pages.lock();
        let mut out = Vec::new();
        if !pages.nodes.is_empty() {
            pages.for_each_raw(0, u64::MAX, |_, v| {
                if let Some(CacheEntry::Swap(e)) = decode(v) {
                    out.push(e);
                }
            });
        }
        out
    }

    /// `filemap_get_entry`: what slot `index` holds, with a reference for
    /// the caller if it is a page (one lookup, one lock round).
    #[inline]
    pub(crate) fn filemap_get_entry(&self, index: u64) -> Option<CacheEntry> {
        let pages = self.i_pages.lock();
        let entry = decode(pages.raw(index));
        if let Some(CacheEntry::Page(pfn)) = entry {
            self.machine.get_page(pfn);
        }
        entry
    }

    /// What slot `index` holds.
    pub fn get_entry(&self, index: u64) -> Option<CacheEntry> {
        decode(self.i_pages.lock().raw(index))
    }

    /// `shmem_add_to_page_cache` for a page read back from swap: `pfn`
    /// replaces the swap entry `entry` at `index` (false if the slot
    /// changed meanwhile).  The page then belongs to the file.
    pub(crate) fn shmem_swapin_replace(&self, index: u64, entry: SwpEntry, pfn: Pfn) -> bool {
        let mut pages = self.i_pages_mut();
        if decode(pages.raw(index)) != Some(CacheEntry::Swap(entry)) {
            return false;
        }
        let page = self.machine.phys.page(pfn);
        page.mapping.store(file_mapping_word(self.host), Ordering::Release);
        page.index.store(index, Ordering::Relaxed);
        self.machine.get_page(pfn);
        pages.set_raw(index, page_word(pfn, 0));
        true
    }

    /// `shmem_writeout`'s swap: the isolated, locked, unmapped page `pfn`
    /// at `index` is replaced by the swap entry holding its bytes.  Its
    /// reference count is frozen at 0 (the cache's and the caller's
    /// references go): the caller frees the frame.  False if anyone else
    /// still holds the page.
    pub(crate) fn shmem_replace_with_swap(&self, index: u64, pfn: Pfn, entry: SwpEntry) -> bool {
        let mut pages = self.i_pages_mut();
        let page = self.machine.phys.page(pfn);
        if pages.get(index) != Some(pfn) || page.mapcount() != 0 || !page.ref_freeze(2) {
            return false;
        }
        if page.mapcount() != 0 {
            page.ref_unfreeze(2);
            return false;
        }
        // A large folio is split before its pages go to swap one by one
        // (`shmem_writeout` -> `split_folio_to_list`).
        pages.split(index);
        pages.set_raw(index, VALUE_BIT | SWAP_VALUE_BIT | entry.to_word());
        drop(pages);
        page.mapping.store(0, Ordering::Release);
        true
    }

    /// `folio_migrate_mapping`'s slot update: page `new` takes page `old`'s
    /// slot at `index`.  False if the slot holds anything else, a large
    /// folio's page included.
    pub(crate) fn folio_migrate_mapping(&self, index: u64, old: Pfn, new: Pfn) -> bool {
        let mut pages = self.i_pages_mut();
        if pages.raw(index) != page_word(old, 0) {
            return false;
        }
        pages.set_raw(index, page_word(new, 0));
        true
    }

    /// Cached pages in `[first, last]` with their frames, ascending.
    pub fn pages_in(&self, first: u64, last: u64) -> SmallVec<[(u64, Pfn); 16]> {
        let mut out = SmallVec::new();
        if first <= last {
            self.i_pages.lock().range(first, last, &mut out);
        }
        out
    }

    /// `__remove_mapping`: drops the locked page `index` (frame `pfn`) from
    /// the cache, leaving `shadow` in its slot, if it is clean, unmapped and
    /// held only by the cache and `refs - 1` others (the caller's
    /// isolation).  Its reference count is frozen at 0 on the way: on
    /// success nobody holds it and the caller frees the frame.
    pub(crate) fn __remove_mapping(&self, index: u64, pfn: Pfn, refs: i32, shadow: u64) -> bool {
        let mut pages = self.i_pages_mut();
        if pages.get(index) != Some(pfn) {
            return false;
        }
        let page = self.machine.phys.page(pfn);
        if page.flags().intersects(PageFlags::DIRTY | PageFlags::WRITEBACK) || page.mapcount() != 0 {
            return false;
        }
        if !page.ref_freeze(refs) {
            return false;
        }
        if page.mapcount() != 0 || page.test(PageFlags::DIRTY) {
            page.ref_unfreeze(refs);
            return false;
        }
        let v = if shadow & SHADOW_BIT != 0 { VALUE_BIT | (shadow & !SHADOW_BIT & !SWAP_VALUE_BIT) } else { 0 };
        // Reclaim takes the pages of a large folio one by one: the folio
        // is split first, as `split_folio_to_list` does in shrink_folio_list.
        pages.split(index);
        pages.set_raw(index, v);
        drop(pages);
        page.mapping.store(0, Ordering::Release);
        true
    }

    /// `__vma_link_file`: `mm` maps the file.
    pub(crate) fn vma_link_file(&self, mm: &Weak<MmStruct>) {
        let mut mappers = self.i_mmap.lock();
        mappers.retain(|w| w.strong_count() > 0);
        if !mappers.iter().any(|w| Weak::ptr_eq(w, mm)) {
            mappers.push(mm.clone());
        }
    }

    /// The live address spaces in `i_mmap`.
    pub(crate) fn mappers(&self) -> Vec<Arc<MmStruct>> {
        self.i_mmap.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// `folio_mark_dirty` of page `index` (frame `pfn`).  A large shmem
    /// folio is dirty as a whole: every page of it is marked.
    pub(crate) fn folio_mark_dirty(&self, inode: &Inode, index: u64, pfn: Pfn) {
        let page = self.machine.phys.page(pfn);
        if !page.set_flags(PageFlags::DIRTY).contains(PageFlags::DIRTY) {
            self.a_ops.dirty_folio(inode, index);
        }
        // A file with no large folio cached has nothing more to mark: only
        // one with some looks the page's folio up (under the cache's lock).
        // The caller's page was found in the cache, after the change that
        // cached its folio.
        if self.a_ops.is_shmem()
            && self.large_pages.load(Ordering::Relaxed) > 0
            && let Some(f) = self.folio(index).filter(|f| f.order > 0 && Pfn(f.pfn.0 + (index - f.index)) == pfn)
        {
            for i in 0..f.nr_pages() {
                self.machine.phys.page(Pfn(f.pfn.0 + i)).set_flags(PageFlags::DIRTY);
            }
        }
    }

    /// `split_folio` as far as the cache goes: every page of the large
    /// folio holding page `index` becomes a folio of its own.
    pub(crate) fn split_folio_to_order0(&self, index: u64) {
        self.i_pages_mut().split(index);
    }

    /// `try_folio_split` (`folio_split`) of the large folio holding page
    /// `index`: split so that page `index` is a folio of its own and the
    /// rest are the largest aligned folios around it (each half of the
    /// folio that does not hold the page stays whole).
    pub(crate) fn try_folio_split(&self, index: u64) {
        self.i_pages_mut().split_at(index);
    }

    /// `folio_mkclean`: write-protects and cleans every shared mapping of
    /// page `index`, so the next write faults; returns true if one of
    /// them was dirty.
    fn folio_mkclean(&self, index: u64, pfn: Pfn) -> bool {
        let mut dirty = false;
        for mm in self.mappers() {
            let st = mm.mmap_lock.read();
            for v in st.vmas.iter() {
                if v.file_ino() != Some(self.host)
                    || !v.flags.contains(VmFlags::SHARED)
                    || index < v.pgoff
                    || index >= v.pgoff + v.pages()
                {
                    continue;
                }
                let addr = v.start + ((index - v.pgoff) << PAGE_SHIFT);
                let Some(slot) = mm.pte_offset(addr) else {
                    continue;
                };
                let _ptl = mm.pte_lock(slot.table);
                let pte = mm.read_pte(slot);
                if let Pte::Page { pfn: p, flags } = pte
                    && p == pfn
                    && flags.intersects(PteFlags::WRITE | PteFlags::DIRTY)
                {
                    dirty |= flags.contains(PteFlags::DIRTY);
                    mm.set_pte(slot, pte.without(PteFlags::WRITE | PteFlags::DIRTY));
                    self.machine.flush_tlb_page(&mm, addr);
                }
            }
        }
        dirty
    }

    /// `filemap_write_and_wait_range` for bytes `[start, end)`: every dirty
    /// page there (dirty in the cache or through a shared mapping's entry)
    /// is cleaned and written with `writepage`.  Nothing to do for a cache
    /// that cannot write back (tmpfs).
    pub fn filemap_write_and_wait_range(&self, inode: &Inode, start: u64, end: u64) -> SysResult<()> {
        if !self.a_ops.can_writeback() || end <= start {
            return Ok(());
        }
        let first = start >> PAGE_SHIFT;
        let last = (end - 1) >> PAGE_SHIFT;
        let m = &*self.machine;
        let mut written = 0;
        for (index, pfn) in self.pages_in(first, last) {
            // folio_clear_dirty_for_io
            if self.folio_mkclean(index, pfn) {
                m.phys.page(pfn).set_flags(PageFlags::DIRTY);
            }
            if !m.phys.page(pfn).clear_flags(PageFlags::DIRTY).contains(PageFlags::DIRTY) {
                continue;
            }
            self.writepage(inode, index, pfn)?;
            written += 1;
        }
        if written > 0 {
            trace_note!(m.trace, "filemap_write_and_wait_range", "inode {}: {} pages written back", self.host, written);
        }
        Ok(())
    }

    /// Writes page `index` (frame `pfn`) with the filesystem's `writepage`.
    pub(crate) fn writepage(&self, inode: &Inode, index: u64, pfn: Pfn) -> SysResult<()> {
        let size = inode.size();
        let off = index << PAGE_SHIFT;
        if off >= size {
            return Ok(());
        }
        let n = (size - off).min(PAGE_SIZE) as usize;
        let mut buf = [0u8; PAGE_SIZE as usize];
        self.machine.phys.read_bytes(pfn, 0, &mut buf[..n]);
        let page = self.machine.phys.page(pfn);
        page.set_flags(PageFlags::WRITEBACK);
        let r = self.a_ops.writepage(inode, index, &buf[..n]);
        page.clear_flags(PageFlags::WRITEBACK);
        if r.is_err() {
            // The data is still only here: keep it dirty.
            page.set_flags(PageFlags::DIRTY);
        }
        if let Err(e) = r {
            trace_note!(self.machine.trace, "writepage", "inode {} page {}: {}", self.host, index, e.name());
        }
        r
    }

    /// Writes back every dirty page, as the last reference to the inode
    /// goes (`iput` -> `write_inode_now`).
    fn write_back_all(&self, inode: &Inode) {
        if !self.a_ops.can_writeback() {
            return;
        }
        let dirty: Vec<(u64, Pfn)> = {
            let pages = self.i_pages.lock();
            pages.all().into_iter().filter(|&(_, p)| self.machine.phys.page(p).test(PageFlags::DIRTY)).collect()
        };
        for (index, pfn) in dirty {
            self.machine.phys.page(pfn).clear_flags(PageFlags::DIRTY);
            // The inode is going away: an error cannot be returned to
            // anyone, so it is traced.
            if self.writepage(inode, index, pfn).is_err() {
                trace_note!(
                    self.machine.trace,
                    "write_inode_now",
                    "inode {}: page {} lost (I/O error)",
                    self.host,
                    index
                );
            }
        }
    }

    /// Takes the entries of pages `[first, last]` out of the cache
    /// (`filemap_remove_folio`, `shmem_free_swap`), ascending: each page
    /// is no longer the file's (its `mapping` word cleared) but keeps the
    /// cache's reference, which the caller drops.  A large folio that
    /// reaches past the range is split first.
    pub(crate) fn delete_from_page_cache_range(&self, first: u64, last: u64) -> Vec<(u64, CacheEntry)> {
        let mut out = Vec::new();
        let mut pages = self.i_pages_mut();
        if first > last || pages.nodes.is_empty() {
            return out;
        }
        let mut raw = Vec::new();
        pages.for_each_raw(first, last, |i, v| raw.push((i, v)));
        for (i, v) in raw {
            pages.split(i);
            pages.set_raw(i, 0);
            if let Some(e) = decode(v) {
                if let CacheEntry::Page(pfn) = e {
                    self.machine.phys.page(pfn).mapping.store(0, Ordering::Release);
                }
                out.push((i, e));
            }
        }
        out
    }

    /// `truncate_inode_pages` (`shmem_undo_range` for shmem): drops every
    /// page from the cache and frees the swap slots of pages out on swap.
    pub(crate) fn truncate_inode_pages(&self) {
        // In index order, so that frames go back to the allocator in the
        // same order on every run.
        let index = std::mem::take(&mut *self.i_pages_mut());
        let mut entries = Vec::new();
        if !index.nodes.is_empty() {
            index.for_each_raw(0, u64::MAX, |_, v| entries.push(v));
        }
        for v in entries {
            match decode(v) {
                Some(CacheEntry::Page(pfn)) => {
                    let page = self.machine.phys.page(pfn);
                    debug_assert_eq!(page.mapcount(), 0, "truncating a mapped page {pfn:?}");
                    page.mapping.store(0, Ordering::Release);
                    self.machine.put_page(pfn);
                }
                Some(CacheEntry::Swap(e)) => self.machine.free_swap_and_cache(e),
                _ => {}
            }
        }
    }
}

impl Inode {
    /// Writes back the cache and frees it (`evict`); called as the last
    /// reference goes.
    fn evict(&self) {
        self.mapping.write_back_all(self);
        self.mapping.truncate_inode_pages();
    }
}

impl Drop for Inode {
    fn drop(&mut self) {
        self.mapping.machine.rmap_roots.inodes.lock().remove(&self.ino);
        self.evict();
    }
}
