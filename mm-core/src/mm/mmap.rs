//! `mmap`: `do_mmap`, `get_unmapped_area` and `mmap_region` (mm/mmap.c,
//! mm/vma.c, arch/x86/kernel/sys_x86_64.c).

use super::munmap::MunmapGather;
use super::vma::{VmaCtx, VmaMergeStruct, vma_merge_new_range};
use super::{MmState, MmStruct, Vma, pages, vm_stat_account};
use crate::errno::{Errno, SysResult};
use crate::fault::FaultCounters;
use crate::flags::{MapFlags, Prot, VmFlags};
use crate::fs::{FMode, File};
use crate::machine::Machine;
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PMD_SIZE, page_align};
use crate::{trace_enter, trace_note};
use std::sync::Arc;

/// `calc_vm_prot_bits`.
pub(crate) fn calc_vm_prot_bits(prot: Prot) -> VmFlags {
    let mut f = VmFlags::empty();
    if prot.contains(Prot::READ) {
        f |= VmFlags::READ;
    }
    if prot.contains(Prot::WRITE) {
        f |= VmFlags::WRITE;
    }
    if prot.contains(Prot::EXEC) {
        f |= VmFlags::EXEC;
    }
    f
}

/// `calc_vm_flag_bits`: `MAP_STACK` asks for no huge pages.
fn calc_vm_flag_bits(flags: MapFlags) -> VmFlags {
    let mut f = VmFlags::empty();
    if flags.contains(MapFlags::GROWSDOWN) {
        f |= VmFlags::GROWSDOWN;
    }
    if flags.contains(MapFlags::LOCKED) {
        f |= VmFlags::LOCKED;
    }
    if flags.contains(MapFlags::SYNC) {
        f |= VmFlags::SYNC;
    }
    if flags.contains(MapFlags::STACK) {
        f |= VmFlags::NOHUGEPAGE;
    }
    f
}

/// `round_hint_to_min`: a hint is rounded down to its page, and raised to
/// `mmap_min_addr` if below it.
fn round_hint_to_min(m: &Machine, hint: u64) -> u64 {
    let hint = hint & PAGE_MASK;
    if hint != 0 && hint < m.tunables.mmap_min_addr {
        return page_align(m.tunables.mmap_min_addr).unwrap_or(PAGE_MASK);
    }
    hint
}

/// `vm_start_gap`: a grows-down VMA keeps `stack_guard_gap` free below it.
pub(crate) fn vm_start_gap(m: &Machine, v: &Vma) -> u64 {
    if v.flags.contains(VmFlags::GROWSDOWN) { v.start.saturating_sub(m.tunables.stack_guard_gap) } else { v.start }
}

/// `LEGACY_MAP_MASK`: the flags `MAP_SHARED` has always accepted;
/// `MAP_SHARED_VALIDATE` refuses any other.
const LEGACY_MAP_MASK: u64 = 0x01
    | 0x02
    | 0x10
    | 0x20
    | 0x40
    | 0x100
    | 0x800
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000
    | 0x10000
    | 0x20000
    | 0x40000
    | 0x400_0000
    | 21 << 26
    | 30 << 26;

/// `struct vm_unmapped_area_info`.
struct UnmappedAreaInfo {
    length: u64,
    low_limit: u64,
    high_limit: u64,
    align_mask: u64,
    align_offset: u64,
}

/// Free ranges `[a, b)` between VMAs, clipped to `[low, high)`, highest
/// first (`mas_empty_area_rev` walks them in this order).
fn free_ranges_desc(st: &MmState, low: u64, high: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut end = high;
    let mut vmas = st.vmas.below(high);
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            match vmas.next() {
                Some(v) => {
                    let gap = (v.end.max(low), end);
                    end = end.min(v.start);
                    if end <= low {
                        done = true;
                    }
                    if gap.0 < gap.1 {
                        return Some(gap);
                    }
                }
                None => {
                    done = true;
                    if low < end {
                        return Some((low, end));
                    }
                }
            }
        }
        None
    })
}

/// Free ranges `[a, b)` between VMAs, clipped to `[low, high)`, lowest
/// first.
fn free_ranges_asc(st: &MmState, low: u64, high: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut start = low;
    let mut vmas = st.vmas.above(low);
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            match vmas.next() {
                Some(v) if v.start < high => {
                    let gap = (start, v.start.min(high));
                    start = start.max(v.end);
                    if start >= high {
                        done = true;
                    }
                    if gap.0 < gap.1 {
                        return Some(gap);
                    }
                }
                _ => {
                    done = true;
                    if start < high {
                        return Some((start, high));
                    }
                }
            }
        }
        None
    })
}

impl MmStruct {
    /// `unmapped_area_topdown`: the highest gap below `high_limit` that
    /// fits, placed at the gap's top.
    fn unmapped_area_topdown(&self, st: &MmState, info: &UnmappedAreaInfo) -> SysResult<u64> {
        let m = &*self.machine;
        let length = info.length.checked_add(info.align_mask).ok_or(Errno::ENOMEM)?;
        let low = info.low_limit.max(m.tunables.mmap_min_addr);
        let mut high = info.high_limit;
        loop {
            let (_, gap_end) = free_ranges_desc(st, low, high).find(|&(a, b)| b - a >= length).ok_or(Errno::ENOMEM)?;
            let mut gap = gap_end - info.length;
            gap -= gap.wrapping_sub(info.align_offset) & info.align_mask;
            if let Some(next) = st.vmas.next_from(gap_end)
                && next.flags.contains(VmFlags::GROWSDOWN)
                && vm_start_gap(m, next) < gap_end
            {
                high = vm_start_gap(m, next);
                continue;
            }
            return Ok(gap);
        }
    }

    /// `unmapped_area`: the lowest gap above `low_limit` that fits.
    fn unmapped_area(&self, st: &MmState, info: &UnmappedAreaInfo) -> SysResult<u64> {
        let m = &*self.machine;
        let length = info.length.checked_add(info.align_mask).ok_or(Errno::ENOMEM)?;
        let mut low = info.low_limit.max(m.tunables.mmap_min_addr);
        let high = info.high_limit;
        loop {
            let (gap_start, _) = free_ranges_asc(st, low, high).find(|&(a, b)| b - a >= length).ok_or(Errno::ENOMEM)?;
            let mut gap = gap_start;
            gap += info.align_offset.wrapping_sub(gap) & info.align_mask;
            if let Some(next) = st.vmas.next_from(gap)
                && next.flags.contains(VmFlags::GROWSDOWN)
                && vm_start_gap(m, next) < gap + length - 1
            {
                low = next.end;
                continue;
            }
            return Ok(gap);
        }
    }

    /// `arch_get_unmapped_area_topdown` (x86): honours a free hint (rounded
    /// down to its page), else searches top-down from `mmap_base`, falling
    /// back to a bottom-up search.
    fn arch_get_unmapped_area_topdown(&self, st: &MmState, addr0: u64, len: u64, flags: MapFlags) -> SysResult<u64> {
        let m = &*self.machine;
        let task_size = st.task_size;
        if len > task_size {
            return Err(Errno::ENOMEM);
        }
        if flags.contains(MapFlags::FIXED) {
            return Ok(addr0);
        }
        // For MAP_32BIT mappings the legacy bottom-up search is forced.
        if flags.contains(MapFlags::BIT32) {
            return self.arch_get_unmapped_area(st, addr0, len, flags);
        }
        // DEFAULT_MAP_WINDOW: a hint must not straddle it, and only a hint
        // above it lets the search go higher.
        let window = m.arch.default_map_window();
        if addr0 != 0 {
            let addr = addr0 & PAGE_MASK;
            let valid = task_size - len >= addr && (addr > window) == (addr + len > window);
            if valid {
                match st.vmas.find(addr) {
                    None => return Ok(addr),
                    Some(v) if addr + len <= vm_start_gap(m, v) => return Ok(addr),
                    Some(_) => {
                        trace_note!(m.trace, "get_unmapped_area", "hint {:#x} is taken", addr)
                    }
                }
            }
        }
        let mut high = st.mmap_base;
        if addr0 > window {
            high += m.arch.task_size() - window;
        }
        let info =
            UnmappedAreaInfo { length: len, low_limit: PAGE_SIZE, high_limit: high, align_mask: 0, align_offset: 0 };
        if let Ok(a) = self.unmapped_area_topdown(st, &info) {
            return Ok(a);
        }
        // A failed top-down search falls back to bottom-up.
        self.arch_get_unmapped_area(st, addr0, len, flags)
    }

    /// `arch_get_unmapped_area` (x86): bottom-up, between the bounds
    /// `find_start_end` gives: the 2nd GiB for `MAP_32BIT` (no
    /// randomisation), else from the legacy base to `TASK_SIZE`; a free
    /// hint (rounded up to its page) is honoured.
    fn arch_get_unmapped_area(&self, st: &MmState, addr0: u64, len: u64, flags: MapFlags) -> SysResult<u64> {
        let m = &*self.machine;
        let (begin, end) = if flags.contains(MapFlags::BIT32) {
            (0x4000_0000, 0x8000_0000)
        } else {
            (page_align(m.arch.default_map_window() / 3).unwrap_or(0), st.task_size)
        };
        if len > end {
            return Err(Errno::ENOMEM);
        }
        if addr0 != 0 {
            let addr = page_align(addr0).ok_or(Errno::ENOMEM)?;
            if end - len >= addr && st.vmas.find(addr).is_none_or(|v| addr + len <= vm_start_gap(m, v)) {
                return Ok(addr);
            }
        }
        let info = UnmappedAreaInfo { length: len, low_limit: begin, high_limit: end, align_mask: 0, align_offset: 0 };
        self.unmapped_area(st, &info)
    }

    /// `__get_unmapped_area`: where to put a mapping of `len` bytes.
    /// Private anonymous mappings without a hint whose length is a multiple
    /// of 2 MiB are aligned to 2 MiB (`thp_get_unmapped_area_vmflags`).
    pub(crate) fn get_unmapped_area(
        &self,
        st: &MmState,
        file: Option<&Arc<File>>,
        addr: u64,
        len: u64,
        pgoff: u64,
        flags: MapFlags,
    ) -> SysResult<u64> {
        let m = &*self.machine;
        let task_size = st.task_size;
        if len > task_size {
            return Err(Errno::ENOMEM);
        }
        let addr = match file {
            // A file whose get_unmapped_area is thp_get_unmapped_area.
            Some(f) if f.inode.fops.thp_get_unmapped_area() => {
                self.thp_get_unmapped_area(st, addr, len, pgoff << PAGE_SHIFT, flags)?
            }
            // tmpfs (huge pages off) and shared anonymous memory
            // (shmem_get_unmapped_area) are placed as they come.
            Some(_) => self.arch_get_unmapped_area_topdown(st, addr, len, flags)?,
            None if addr == 0 && len.is_multiple_of(PMD_SIZE) && !flags.contains(MapFlags::SHARED) => {
                self.thp_get_unmapped_area(st, 0, len, 0, flags)?
            }
            None => self.arch_get_unmapped_area_topdown(st, addr, len, flags)?,
        };
        // IS_ERR_VALUE: a MAP_FIXED address in the last page of the address
        // space comes back as it went in, and is taken for an error number
        // (`-1` is `EPERM`).  Numbers this crate has no name for go on to
        // the checks below.
        if addr > u64::MAX - 4095
            && let Some(&e) = Errno::ALL.iter().find(|&&e| e as i32 as u64 == addr.wrapping_neg())
        {
            return Err(e);
        }
        if addr > task_size - len {
            return Err(Errno::ENOMEM);
        }
        if addr & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        // security_mmap_addr -> cap_mmap_addr
        if addr < m.tunables.dac_mmap_min_addr && !m.tunables.cap_sys_rawio {
            return Err(Errno::EPERM);
        }
        Ok(addr)
    }

    /// `thp_get_unmapped_area_vmflags` with `__thp_get_unmapped_area`, for
    /// a mapping at byte offset `off` of its file (0 for anonymous
    /// memory): if the mapping covers a 2 MiB-aligned part of the file, it
    /// is placed so that this part is 2 MiB-aligned in memory too: search
    /// for `len + 2 MiB`, then align inside that, at the top of the padded
    /// area when its start is aligned already (the layout is top-down). A
    /// free hint is honoured as it is.
    fn thp_get_unmapped_area(&self, st: &MmState, addr: u64, len: u64, off: u64, flags: MapFlags) -> SysResult<u64> {
        let size = PMD_SIZE;
        let off_end = off.saturating_add(len);
        let off_align = off.div_ceil(size).saturating_mul(size);
        if off_end > off_align
            && off_end - off_align >= size
            && let Some(len_pad) = len.checked_add(size)
            && off.checked_add(len_pad).is_some()
            && let Ok(ret) = self.arch_get_unmapped_area_topdown(st, addr, len_pad, flags)
        {
            if ret == addr {
                return Ok(addr);
            }
            let off_sub = off.wrapping_sub(ret) & (size - 1);
            let aligned = if off_sub == 0 { ret + size } else { ret + off_sub };
            trace_note!(self.machine.trace, "thp_get_unmapped_area", "{:#x} (2 MiB aligned)", aligned);
            return Ok(aligned);
        }
        self.arch_get_unmapped_area_topdown(st, addr, len, flags)
    }

    /// `vm_mmap_pgoff`: `do_mmap` under the `mmap_lock`, then population of
    /// `MAP_POPULATE` mappings (counted as faults of the caller).
    #[allow(clippy::too_many_arguments)]
    pub fn vm_mmap_pgoff(
        &self,
        counters: &FaultCounters,
        file: Option<&Arc<File>>,
        addr: u64,
        len: u64,
        prot: Prot,
        flags: MapFlags,
        pgoff: u64,
    ) -> SysResult<u64> {
        let (ret, populate) = {
            let mut st = self.mmap_write_lock();
            self.do_mmap(&mut st, file, addr, len, prot, flags, pgoff)?
        };
        if populate > 0 {
            self.mm_populate(counters, ret, populate);
        }
        Ok(ret)
    }

    /// `do_mmap`: checks the arguments, computes the VMA flags, picks the
    /// address and calls `mmap_region`.  `file` is the mapped file, `None`
    /// for anonymous memory.  Returns the address and how many bytes to
    /// populate.
    #[allow(clippy::too_many_arguments)]
    pub fn do_mmap(
        &self,
        st: &mut MmState,
        file: Option<&Arc<File>>,
        addr: u64,
        len: u64,
        prot: Prot,
        flags: MapFlags,
        pgoff: u64,
    ) -> SysResult<(u64, u64)> {
        let m = &*self.machine;
        let _t = trace_enter!(
            m.trace,
            "do_mmap",
            "addr={:#x} len={:#x} prot={} flags={}",
            addr,
            len,
            prot.names(),
            flags.names()
        );
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let mut flags = flags;
        if flags.contains(MapFlags::FIXED_NOREPLACE) {
            flags |= MapFlags::FIXED;
        }
        let addr = if flags.contains(MapFlags::FIXED) { addr } else { round_hint_to_min(m, addr) };
        let len = page_align(len).filter(|&l| l != 0).ok_or(Errno::ENOMEM)?;
        if pgoff.checked_add(len >> PAGE_SHIFT).is_none() {
            return Err(Errno::EOVERFLOW);
        }
        if st.vmas.len() > m.tunables.max_map_count {
            return Err(Errno::ENOMEM);
        }
        let mut vm_flags = calc_vm_prot_bits(prot)
            | calc_vm_flag_bits(flags)
            | st.def_flags
            | VmFlags::MAYREAD
            | VmFlags::MAYWRITE
            | VmFlags::MAYEXEC;
        let addr = self.get_unmapped_area(st, file, addr, len, pgoff, flags)?;
        trace_note!(m.trace, "get_unmapped_area", "{:#x}", addr);
        if flags.contains(MapFlags::FIXED_NOREPLACE) && st.vmas.find_intersection(addr, addr + len).is_some() {
            trace_note!(m.trace, "do_mmap", "MAP_FIXED_NOREPLACE range is taken: EEXIST");
            return Err(Errno::EEXIST);
        }
        if flags.contains(MapFlags::LOCKED) && !self.can_do_mlock() {
            return Err(Errno::EPERM);
        }
        if !self.mlock_future_ok(st, vm_flags, len) {
            return Err(Errno::EAGAIN);
        }
        let ty = flags.bits() & MapFlags::TYPE_MASK;
        let pgoff = if let Some(file) = file {
            // file_mmap_ok: the mapping must fit in MAX_LFS_FILESIZE.
            let maxsize = i64::MAX as u64 - len;
            if pgoff > maxsize >> PAGE_SHIFT {
                return Err(Errno::EOVERFLOW);
            }
            let shared = ty == MapFlags::SHARED.bits() || ty == MapFlags::SHARED_VALIDATE;
            if ty == MapFlags::SHARED_VALIDATE && flags.bits() & !LEGACY_MAP_MASK != 0 {
                return Err(Errno::EOPNOTSUPP);
            }
            if shared {
                if prot.contains(Prot::WRITE) && !file.mode.contains(FMode::WRITE) {
                    return Err(Errno::EACCES);
                }
                vm_flags |= VmFlags::SHARED | VmFlags::MAYSHARE;
                if !file.mode.contains(FMode::WRITE) {
                    vm_flags -= VmFlags::MAYWRITE | VmFlags::SHARED;
                }
            } else if ty != MapFlags::PRIVATE.bits() {
                return Err(Errno::EINVAL);
            }
            if !file.mode.contains(FMode::READ) {
                return Err(Errno::EACCES);
            }
            if vm_flags.contains(VmFlags::GROWSDOWN) {
                return Err(Errno::EINVAL);
            }
            pgoff
        } else {
            match ty {
                t if t == MapFlags::PRIVATE.bits() => addr >> PAGE_SHIFT,
                t if t == MapFlags::DROPPABLE => {
                    // Droppable memory is neither locked, stack nor
                    // hugetlb; it is not reserved, copied or dumped.
                    if flags.intersects(MapFlags::LOCKED | MapFlags::HUGETLB) || vm_flags.contains(VmFlags::GROWSDOWN) {
                        return Err(Errno::EINVAL);
                    }
                    vm_flags |= VmFlags::DROPPABLE | VmFlags::NORESERVE | VmFlags::WIPEONFORK | VmFlags::DONTDUMP;
                    addr >> PAGE_SHIFT
                }
                t if t == MapFlags::SHARED.bits() => {
                    if vm_flags.contains(VmFlags::GROWSDOWN) {
                        return Err(Errno::EINVAL);
                    }
                    vm_flags |= VmFlags::SHARED | VmFlags::MAYSHARE;
                    0
                }
                _ => return Err(Errno::EINVAL),
            }
        };
        if flags.contains(MapFlags::NORESERVE) && m.tunables.overcommit_memory != 2 {
            vm_flags |= VmFlags::NORESERVE;
        }
        let addr = self.mmap_region(st, file, addr, len, vm_flags, pgoff)?;
        let populate = if vm_flags.contains(VmFlags::LOCKED)
            || flags & (MapFlags::POPULATE | MapFlags::NONBLOCK) == MapFlags::POPULATE
        {
            len
        } else {
            0
        };
        Ok((addr, populate))
    }

    /// `may_expand_vm`: `RLIMIT_AS` and `RLIMIT_DATA`.
    pub(crate) fn may_expand_vm(&self, st: &MmState, flags: VmFlags, npages: u64) -> bool {
        let t = &self.machine.tunables;
        if (st.total_vm + npages) << PAGE_SHIFT > t.rlimit_as {
            return false;
        }
        if super::is_data_mapping(flags) && (st.data_vm + npages) << PAGE_SHIFT > t.rlimit_data {
            return false;
        }
        true
    }

    /// `security_vm_enough_memory_mm` with `vm.overcommit_memory`: only the
    /// heuristic refusal of a single request larger than RAM and swap
    /// together (`__vm_enough_memory`, `OVERCOMMIT_GUESS`).
    pub(crate) fn vm_enough_memory(&self, npages: u64) -> SysResult<()> {
        let m = &*self.machine;
        let mode = m.tunables.overcommit_memory;
        if mode == 1 {
            trace_note!(m.trace, "__vm_enough_memory", "{} pages asked, OVERCOMMIT_ALWAYS (mode 1): granted", npages);
            return Ok(());
        }
        let (ram, swap) = (m.phys.nr_pages(), m.swap.total_swap_pages());
        let refused = npages > ram + swap;
        trace_note!(
            m.trace,
            "__vm_enough_memory",
            "{} pages asked, mode {} (heuristic): {} totalram + {} swap = {} pages: {}",
            npages,
            mode,
            ram,
            swap,
            ram + swap,
            if refused { "more than all of it, -ENOMEM" } else { "granted" }
        );
        if refused { Err(Errno::ENOMEM) } else { Ok(()) }
    }

    /// `mmap_region`: unmaps what `[addr, addr + len)` overlaps, then merges
    /// the new range with its neighbours or links a new VMA.
    pub(crate) fn mmap_region(
        &self,
        st: &mut MmState,
        file: Option<&Arc<File>>,
        addr: u64,
        len: u64,
        vm_flags: VmFlags,
        pgoff: u64,
    ) -> SysResult<u64> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "mmap_region", "{:#x}-{:#x}", addr, addr + len);
        let end = addr + len;
        let mut vm_flags = vm_flags;
        // call_mmap: the file accepts the mapping and picks its vm_ops.  It
        // looks only at the file, so it is asked before anything changes.
        let vm_ops = match file {
            Some(f) => Some(f.inode.fops.mmap(f)?),
            None => None,
        };
        // __mmap_prepare: gather what is in the way.
        let gather = if st.vmas.find_intersection(addr, end).is_some() {
            let mut g = MunmapGather::default();
            g.gather(m, st, addr, end)?;
            Some(g)
        } else {
            None
        };
        let overlapped = gather.as_ref().map_or(0, |g| g.nr_pages);
        let restore = |st: &mut MmState, g: Option<MunmapGather>| {
            if let Some(g) = g {
                g.reattach(st);
            }
        };
        if !self.may_expand_vm(st, vm_flags, pages(addr, end) - overlapped) {
            restore(st, gather);
            return Err(Errno::ENOMEM);
        }
        // accountable_mapping: private writable memory is charged.
        if vm_flags & (VmFlags::NORESERVE | VmFlags::SHARED | VmFlags::WRITE) == VmFlags::WRITE {
            let charged = pages(addr, end) - gather.as_ref().map_or(0, |g| g.nr_accounted);
            if charged > 0
                && let Err(e) = self.vm_enough_memory(charged)
            {
                restore(st, gather);
                return Err(e);
            }
            vm_flags |= VmFlags::ACCOUNT;
        }
        // vms_clean_up_area: zap and free page tables of the old mappings.
        if let Some(g) = &gather {
            self.vms_clear_ptes(g);
        }
        let prev = st.vmas.prev(addr).map(|v| v.start);
        let next = st.vmas.next_from(end).map(|v| v.start);
        let mut merged = None;
        if prev.is_some() || next.is_some() {
            let mut vmg = VmaMergeStruct::new_range(addr, end, pgoff, vm_flags);
            vmg.prev = prev;
            vmg.next = next;
            vmg.file = file.map(|f| f.id);
            merged = vma_merge_new_range(VmaCtx::new(m), &mut st.vmas, &mut vmg);
        }
        if merged.is_none() {
            let vma = match (file, vm_ops) {
                (Some(f), Some(ops)) => Vma::new_file(m, addr, end, pgoff, vm_flags, f.clone(), ops),
                _ if vm_flags.contains(VmFlags::SHARED) => {
                    let f = crate::fs::shmem::shmem_zero_setup(&self.machine, len);
                    trace_note!(m.trace, "shmem_zero_setup", "shmem file inode {} of {:#x} bytes", f.inode.ino, len);
                    let ops = f.inode.fops.mmap(&f)?;
                    Vma::new_file(m, addr, end, pgoff, vm_flags, f, ops)
                }
                _ => Vma::new_anon(m, addr, end, pgoff, vm_flags),
            };
            // __vma_link_file
            if let Some(f) = vma.file() {
                f.inode.mapping.vma_link_file(&self.this);
            }
            st.vmas.insert(vma);
            trace_note!(
                m.trace,
                "vma_link",
                "new vma {:08x}-{:08x} {}",
                addr,
                end,
                String::from_utf8_lossy(&vm_flags.maps_perms())
            );
        }
        // khugepaged_enter_vma: from vma_merge_new_range for a merge, from
        // __mmap_new_vma for a new VMA that is not anonymous (shmem).
        if let Some(v) = st.vmas.lookup(addr)
            && (merged.is_some() || !v.is_anonymous())
        {
            self.khugepaged_enter_vma(v, vm_flags);
        }
        if let Some(g) = gather {
            g.account(st);
        }
        vm_stat_account(st, vm_flags, pages(addr, end) as i64);
        // __mmap_complete: special mappings, hugetlb and droppable memory
        // are never locked (`MCL_FUTURE` asks for it through `def_flags`);
        // what `do_mmap` decided to populate is populated all the same.
        if vm_flags.contains(VmFlags::LOCKED) {
            if vm_flags.intersects(VmFlags::SPECIAL | VmFlags::HUGETLB | VmFlags::DROPPABLE) {
                let s = st.vmas.lookup(addr).map(|v| v.start).expect("the new mapping is there");
                let v = st.vmas.get_mut(s).expect("the new mapping is there");
                v.flags -= VmFlags::LOCKED_MASK;
            } else {
                st.locked_vm += pages(addr, end);
            }
        }
        Ok(addr)
    }

    /// `expand_downwards`: grows a `VM_GROWSDOWN` VMA (starting at
    /// `vma_start`) down to the page of `address`, keeping
    /// `stack_guard_gap` from the VMA below; `acct_stack_growth` holds it
    /// within `rlim_stack`, the growing task's `RLIMIT_STACK`.
    pub(crate) fn expand_downwards(
        &self,
        st: &mut MmState,
        vma_start: u64,
        address: u64,
        rlim_stack: u64,
    ) -> SysResult<()> {
        let m = &*self.machine;
        let address = address & PAGE_MASK;
        if address < m.tunables.mmap_min_addr {
            return Err(Errno::EPERM);
        }
        if let Some(prev) = st.vmas.prev(vma_start)
            && !prev.flags.contains(VmFlags::GROWSDOWN)
            && prev.is_accessible()
            && address.wrapping_sub(prev.end) < m.tunables.stack_guard_gap
        {
            return Err(Errno::ENOMEM);
        }
        let vma = st.vmas.get(vma_start).ok_or(Errno::EFAULT)?;
        if address >= vma.start {
            return Ok(());
        }
        let grow = (vma.start - address) >> PAGE_SHIFT;
        let size = vma.end - address;
        if grow > vma.pgoff || size > rlim_stack || !self.may_expand_vm(st, vma.flags, grow) {
            return Err(Errno::ENOMEM);
        }
        let flags = vma.flags;
        self.anon_vma_prepare(st, vma);
        st.vmas.modify(vma_start, |v| {
            v.start = address;
            v.pgoff -= grow;
        });
        vm_stat_account(st, flags, grow as i64);
        trace_note!(m.trace, "expand_downwards", "stack grows to {:#x}", address);
        Ok(())
    }
}
