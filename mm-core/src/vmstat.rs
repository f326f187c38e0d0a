//! `/proc/vmstat` and `/proc/meminfo` as the machine shows them: the event
//! counters ([`VmStat`], defined in `mm_api::vmstat` so that backends can
//! count events) and the state counted from the `struct page`s.

pub use mm_api::vmstat::{VmEvent, VmStat};
use std::sync::atomic::Ordering;

/// The state half of `/proc/vmstat` and `/proc/meminfo`, counted from the
/// `struct page`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageCounts {
    /// Free frames.
    pub free: u64,
    /// Anonymous pages mapped by some entry (`NR_ANON_MAPPED`).
    pub anon_mapped: u64,
    /// Page-cache pages, shmem and swap cache included (`NR_FILE_PAGES`).
    pub file_pages: u64,
    /// Page-cache pages mapped by some entry (`NR_FILE_MAPPED`).
    pub file_mapped: u64,
    /// Dirty page-cache pages (`NR_FILE_DIRTY`).
    pub dirty: u64,
    /// Pages under writeback.
    pub writeback: u64,
    /// shmem pages (`NR_SHMEM`).
    pub shmem: u64,
    /// Pages in the swap cache (`NR_SWAPCACHE`).
    pub swapcache: u64,
    /// Page-table pages (`NR_PAGETABLE`).
    pub page_tables: u64,
}

impl crate::machine::Machine {
    /// Counts the pages of each kind.
    pub fn page_counts(&self) -> PageCounts {
        use crate::flags::PageFlags;
        let mut c = PageCounts { free: self.nr_free_pages(), ..PageCounts::default() };
        // Frames whose `struct page` was never initialised are free.
        for pfn in self.phys.initialised_pfns() {
            let page = self.phys.page(pfn);
            if page.refcount() <= 0 {
                continue;
            }
            let f = page.flags();
            if f.contains(PageFlags::PGTABLE) {
                c.page_tables += 1;
                continue;
            }
            let swapcache = f.contains(PageFlags::SWAPCACHE);
            if swapcache {
                c.swapcache += 1;
                c.file_pages += 1;
            }
            let w = page.mapping.load(Ordering::Relaxed);
            if page.is_anon() {
                if f.contains(PageFlags::LARGE_RMAPPABLE) {
                    // A large folio kept whole: its pages are as the head,
                    // mapped by the folio's leaves.
                    if self.folio_entire_mapcount(pfn) > 0 {
                        c.anon_mapped += self.phys.folio_nr_pages(pfn);
                    }
                } else if page.mapcount() > 0 {
                    c.anon_mapped += 1;
                }
            } else if w != 0 {
                if !swapcache {
                    c.file_pages += 1;
                }
                if page.mapcount() > 0 {
                    c.file_mapped += 1;
                }
                if f.contains(PageFlags::SWAPBACKED) {
                    c.shmem += 1;
                }
                if f.contains(PageFlags::DIRTY) {
                    c.dirty += 1;
                }
            }
            if f.contains(PageFlags::WRITEBACK) {
                c.writeback += 1;
            }
        }
        c
    }

    /// `/proc/vmstat`: the state items this simulator keeps, then every
    /// event counter, in the kernel's order and spelling.
    pub fn vmstat_lines(&self) -> Vec<(&'static str, u64)> {
        self.vmstat_lines_of(&self.page_counts())
    }

    /// [`vmstat_lines`](Self::vmstat_lines) and
    /// [`meminfo_lines`](Self::meminfo_lines) of one count of the frames.
    pub fn vmstat_meminfo_lines(&self) -> (Vec<NamedCount>, Vec<NamedCount>) {
        let c = self.page_counts();
        (self.vmstat_lines_of(&c), self.meminfo_lines_of(&c))
    }

    fn vmstat_lines_of(&self, c: &PageCounts) -> Vec<(&'static str, u64)> {
        let lru = self.reclaim.lru_sizes();
        let mut v = vec![
            ("nr_free_pages", c.free),
            ("nr_mlock", self.lruvec.nr_mlock()),
            ("nr_inactive_anon", lru[0]),
            ("nr_active_anon", lru[1]),
            ("nr_inactive_file", lru[2]),
            ("nr_active_file", lru[3]),
            ("nr_unevictable", self.lruvec.nr_unevictable()),
        ];
        let events = self.vmstat.snapshot();
        // The workingset counters are node state items, printed here.
        v.extend(events.iter().take(4).copied());
        v.extend([
            ("nr_anon_pages", c.anon_mapped),
            ("nr_mapped", c.file_mapped),
            ("nr_file_pages", c.file_pages),
            ("nr_dirty", c.dirty),
            ("nr_writeback", c.writeback),
            ("nr_shmem", c.shmem),
        ]);
        // In THPs, as the kernel prints them (vmstat_item_print_in_thp).
        let (shmem_thps, file_thps) = self.nr_cached_thps();
        let (shmem_pmdmapped, file_pmdmapped) = self.nr_file_pmdmapped();
        v.extend([
            ("nr_shmem_hugepages", shmem_thps),
            ("nr_shmem_pmdmapped", shmem_pmdmapped),
            ("nr_file_hugepages", file_thps),
            ("nr_file_pmdmapped", file_pmdmapped),
            ("nr_anon_transparent_hugepages", self.nr_anon_thps()),
            ("nr_swapcached", c.swapcache),
            ("nr_page_table_pages", c.page_tables),
        ]);
        v.extend(events.iter().skip(4).copied());
        v
    }

    /// `NR_SHMEM_THPS` and `NR_FILE_THPS`: the PMD-sized folios in the
    /// page caches of shmem and of other files.
    fn nr_cached_thps(&self) -> (u64, u64) {
        let (mut shmem_thps, mut file_thps) = (0, 0);
        let inodes: Vec<_> = self.rmap_roots.inodes.lock().values().filter_map(std::sync::Weak::upgrade).collect();
        for inode in inodes {
            if inode.mapping.a_ops.is_shmem() {
                shmem_thps += inode.mapping.nr_thps();
            } else {
                file_thps += inode.mapping.nr_thps();
            }
        }
        (shmem_thps, file_thps)
    }

    /// `/proc/meminfo`: (label, kB).
    pub fn meminfo_lines(&self) -> Vec<(&'static str, u64)> {
        self.meminfo_lines_of(&self.page_counts())
    }

    fn meminfo_lines_of(&self, c: &PageCounts) -> Vec<(&'static str, u64)> {
        let lru = self.reclaim.lru_sizes();
        let kb = |pages: u64| pages * (crate::types::PAGE_SIZE >> 10);
        let total = self.phys.nr_pages() - self.reserved_pages();
        let swap_total = self.swap.total_swap_pages();
        let swap_free = self.swap.nr_swap_pages().max(0) as u64;
        // NR_SHMEM_PMDMAPPED, NR_FILE_PMDMAPPED: the cached THPs a PMD
        // leaf maps.
        let pmd_order = self.hpage_pmd_order().unwrap_or(0);
        let (shmem_thps, file_thps) = self.nr_cached_thps();
        let (shmem_pmdmapped, file_pmdmapped) = self.nr_file_pmdmapped();

        vec![
            ("MemTotal", kb(total)),
            ("MemFree", kb(c.free)),
            ("Buffers", 0),
            ("Cached", kb(c.file_pages - c.swapcache)),
            ("SwapCached", kb(c.swapcache)),
            ("Active", kb(lru[1] + lru[3])),
            ("Inactive", kb(lru[0] + lru[2])),
            ("Active(anon)", kb(lru[1])),
            ("Inactive(anon)", kb(lru[0])),
            ("Active(file)", kb(lru[3])),
            ("Inactive(file)", kb(lru[2])),
            ("Unevictable", kb(self.lruvec.nr_unevictable())),
            ("Mlocked", kb(self.lruvec.nr_mlock())),
            ("SwapTotal", kb(swap_total)),
            ("SwapFree", kb(swap_free)),
            ("Dirty", kb(c.dirty)),
            ("Writeback", kb(c.writeback)),
            ("AnonPages", kb(c.anon_mapped)),
            ("Mapped", kb(c.file_mapped)),
            ("Shmem", kb(c.shmem)),
            ("PageTables", kb(c.page_tables)),
            ("AnonHugePages", kb(self.nr_anon_thps() << self.hpage_pmd_order().unwrap_or(0))),
            ("ShmemHugePages", kb(shmem_thps << pmd_order)),
            ("ShmemPmdMapped", kb(shmem_pmdmapped << pmd_order)),
            ("FileHugePages", kb(file_thps << pmd_order)),
            ("FilePmdMapped", kb(file_pmdmapped << pmd_order)),
        ]
    }
}

/// A counter and its name: a `/proc/vmstat` or `/proc/meminfo` line.
pub type NamedCount = (&'static str, u64);

/// A `/proc/meminfo` line: the label and colon padded to 16 columns, the
/// value right-aligned in 8 (`show_val_kb`).
pub fn format_meminfo_line(label: &str, kb: u64) -> String {
    format!("{:<16}{kb:>8} kB", format!("{label}:"))
}

/// The zone's name in the `/proc` views: the machine has one zone.
const ZONE_NAME: &str = "Normal";

impl crate::machine::Machine {
    /// Free blocks per order on the allocator's free lists, as
    /// `/proc/buddyinfo` counts them: without the per-CPU caches when the
    /// allocator reports its lists by type, else its `free_areas`.
    pub fn free_area(&self) -> crate::alloc::FreeAreas {
        match self.alloc.pagetypeinfo() {
            Some(info) => {
                let mut areas = [0; crate::types::MAX_PAGE_ORDER as usize + 1];
                for per_type in info.free {
                    for (total, n) in areas.iter_mut().zip(per_type) {
                        *total += n;
                    }
                }
                areas
            }
            None => self.alloc.free_areas(),
        }
    }

    /// `/proc/buddyinfo`: free blocks per order (`frag_show_print`).
    pub fn buddyinfo(&self) -> String {
        let mut s = format!("Node 0, zone {ZONE_NAME:>8} ");
        for n in self.free_area() {
            s.push_str(&format!("{n:>6} "));
        }
        s.push('\n');
        s
    }

    /// `/proc/pagetypeinfo`: free blocks per migrate type and order, and
    /// pageblocks per type (`pagetypeinfo_show`); `None` when the
    /// allocator does not group pages by mobility.
    pub fn pagetypeinfo(&self) -> Option<String> {
        use crate::alloc::{MigrateType, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER};
        let info = self.alloc.pagetypeinfo()?;
        let mut s = format!("Page block order: {PAGEBLOCK_ORDER}\nPages per block:  {PAGEBLOCK_NR_PAGES}\n\n");
        s.push_str(&format!("{:<43} ", "Free pages count per migrate type at order"));
        for order in 0..=crate::types::MAX_PAGE_ORDER {
            s.push_str(&format!("{order:>6} "));
        }
        s.push('\n');
        for mt in MigrateType::ALL {
            s.push_str(&format!("Node {:>4}, zone {ZONE_NAME:>8}, type {:>12} ", 0, mt.name()));
            for n in info.free[mt as usize] {
                // The kernel stops counting a list at 100000 blocks.
                if n >= 100_000 {
                    s.push_str(&format!("{:>6} ", ">100000"));
                } else {
                    s.push_str(&format!("{n:>6} "));
                }
            }
            s.push('\n');
        }
        s.push_str(&format!("\n{:<23}", "Number of blocks type "));
        for mt in MigrateType::ALL {
            s.push_str(&format!("{:>12} ", mt.name()));
        }
        s.push('\n');
        s.push_str(&format!("Node 0, zone {ZONE_NAME:>8} "));
        for n in info.blocks {
            s.push_str(&format!("{n:>12} "));
        }
        s.push('\n');
        Some(s)
    }

    /// debugfs `extfrag/extfrag_index`: the fragmentation index of every
    /// order, as `-1.000` when a block that large is free
    /// (`extfrag_show_print`).
    pub fn extfrag_index(&self) -> String {
        let free = self.free_area();
        let mut s = format!("Node 0, zone {ZONE_NAME:>8} ");
        for order in 0..=crate::types::MAX_PAGE_ORDER {
            let index = crate::alloc::fragmentation_index(&free, order);
            s.push_str(&format!("{:>2}.{:03} ", index / 1000, index % 1000));
        }
        s.push('\n');
        s
    }

    /// debugfs `extfrag/unusable_index` (`unusable_show_print`).
    pub fn unusable_index(&self) -> String {
        let free = self.free_area();
        let mut s = format!("Node 0, zone {ZONE_NAME:>8} ");
        for order in 0..=crate::types::MAX_PAGE_ORDER {
            let index = crate::alloc::unusable_free_index(&free, order);
            s.push_str(&format!("{}.{:03} ", index / 1000, index % 1000));
        }
        s.push('\n');
        s
    }
}
