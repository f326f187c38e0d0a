//! `brk` (mm/mmap.c `SYSCALL_DEFINE1(brk)`, mm/vma.c `do_brk_flags`).

use super::mmap::vm_start_gap;
use super::vma::{VmaCtx, VmaMergeStruct, vma_merge_new_range};
use super::{MmState, MmStruct, Vma, vm_stat_account};
use crate::errno::{Errno, SysResult};
use crate::flags::{MapFlags, VmFlags};
use crate::types::{PAGE_SHIFT, PAGE_SIZE, page_align};
use crate::{trace_enter, trace_note};

impl MmStruct {
    /// The `brk` system call: moves the program break and returns the new
    /// one, or the old one if the move is refused (`brk` never fails with
    /// an error number).
    pub fn sys_brk(&self, brk: u64) -> u64 {
        let m = &*self.machine;
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(m.trace, "brk", "{:#x} (break at {:#x})", brk, st.brk);
        let origbrk = st.brk;
        match self.brk_locked(&mut st, brk) {
            Ok(()) => {
                trace_note!(m.trace, "brk", "break now {:#x}", st.brk);
                brk
            }
            Err(e) => {
                trace_note!(m.trace, "brk", "refused ({}): break stays {:#x}", e.name(), origbrk);
                st.brk = origbrk;
                origbrk
            }
        }
    }

    fn brk_locked(&self, st: &mut MmState, brk: u64) -> SysResult<()> {
        if brk < st.start_brk {
            return Err(Errno::EINVAL);
        }
        let newbrk = page_align(brk).ok_or(Errno::ENOMEM)?;
        let oldbrk = page_align(st.brk).ok_or(Errno::ENOMEM)?;
        if oldbrk == newbrk {
            st.brk = brk;
            return Ok(());
        }
        if brk <= st.brk {
            // Always allow shrinking, if something is mapped there.
            if st.vmas.find_intersection(newbrk, oldbrk).is_none() {
                return Err(Errno::ENOMEM);
            }
            st.brk = brk;
            return self.do_vmi_munmap(st, newbrk, oldbrk - newbrk);
        }
        // check_brk_limits
        self.get_unmapped_area(st, None, oldbrk, newbrk - oldbrk, 0, MapFlags::FIXED)?;
        if let Some(next) = st.vmas.find(oldbrk)
            && next.start < newbrk + PAGE_SIZE + self.machine.tunables.stack_guard_gap
            && newbrk + PAGE_SIZE > vm_start_gap(&self.machine, next)
        {
            return Err(Errno::ENOMEM);
        }
        let brkvma = st.vmas.prev(oldbrk).filter(|v| v.end > st.start_brk).map(|v| v.start);
        self.do_brk_flags(st, brkvma, oldbrk, newbrk - oldbrk, VmFlags::empty())?;
        st.brk = brk;
        Ok(())
    }

    /// `vm_brk_flags`: anonymous memory at `[addr, addr + len)` as `brk`
    /// maps it, replacing what is there; `vm_flags` may only add
    /// `VM_EXEC`.  The ELF loader maps a segment's bss with it.
    pub(crate) fn vm_brk_flags(&self, st: &mut MmState, addr: u64, len: u64, vm_flags: VmFlags) -> SysResult<()> {
        let len = page_align(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        if !(vm_flags - VmFlags::EXEC).is_empty() {
            return Err(Errno::EINVAL);
        }
        let _t = trace_enter!(self.machine.trace, "vm_brk_flags", "{:#x}-{:#x}", addr, addr.saturating_add(len));
        // check_brk_limits
        let addr = self.get_unmapped_area(st, None, addr, len, 0, MapFlags::FIXED)?;
        self.do_vmi_munmap(st, addr, len)?;
        let prev = st.vmas.prev(addr).map(|v| v.start);
        self.do_brk_flags(st, prev, addr, len, vm_flags)
    }

    /// `do_brk_flags`: extends the VMA `vma` (if it ends at `addr` and
    /// may merge) or maps a new anonymous VMA there.
    fn do_brk_flags(
        &self,
        st: &mut MmState,
        vma: Option<u64>,
        addr: u64,
        len: u64,
        vm_flags: VmFlags,
    ) -> SysResult<()> {
        let m = &*self.machine;
        let flags = vm_flags | VmFlags::DATA_DEFAULT | VmFlags::ACCOUNT | st.def_flags;
        if !self.may_expand_vm(st, flags, len >> PAGE_SHIFT) || st.vmas.len() > m.tunables.max_map_count {
            return Err(Errno::ENOMEM);
        }
        self.vm_enough_memory(len >> PAGE_SHIFT)?;
        let mut done = false;
        if let Some(vs) = vma
            && st.vmas.get(vs).is_some_and(|v| v.end == addr)
        {
            let mut vmg = VmaMergeStruct::new_range(addr, addr + len, addr >> PAGE_SHIFT, flags);
            vmg.prev = Some(vs);
            vmg.just_expand = true;
            done = vma_merge_new_range(VmaCtx::new(m), &mut st.vmas, &mut vmg).is_some();
        }
        if !done {
            st.vmas.insert(Vma::new_anon(m, addr, addr + len, addr >> PAGE_SHIFT, flags));
            trace_note!(
                m.trace,
                "do_brk_flags",
                "new vma {:08x}-{:08x} {}",
                addr,
                addr + len,
                String::from_utf8_lossy(&flags.maps_perms())
            );
        }
        vm_stat_account(st, flags, (len >> PAGE_SHIFT) as i64);
        if flags.contains(VmFlags::LOCKED) {
            st.locked_vm += len >> PAGE_SHIFT;
        }
        Ok(())
    }
}
