//! ELF64 x86-64 programs (fs/binfmt_elf.c): `load_elf_binary` maps the
//! `PT_LOAD` segments (`elf_load`/`elf_map`), the interpreter named by
//! `PT_INTERP` (`load_elf_interp`), the vDSO (`map_vdso`), builds the
//! initial stack (`create_elf_tables`) and sets the program break.
//!
//! Headers are read through the page cache (`kernel_read`) and decoded
//! with the `object` crate's ELF definitions; every size and offset in
//! them is checked as the kernel checks it, so a corrupt or hostile file
//! gets the kernel's error, never a panic or a huge allocation (program
//! headers are at most one page, `ELF_MIN_ALIGN`).

use super::{LinuxBinprm, copy_to_user, elf_et_dyn_base, elf_read, map_vdso, setup_arg_pages, stack_top};
use crate::errno::{Errno, SysResult};
use crate::fault::FaultCounters;
use crate::flags::{MapFlags, Prot, VmFlags};
use crate::fs::File;
use crate::kernel::{Kernel, Pid};
use crate::mm::MmStruct;
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE};
use crate::{trace_enter, trace_note};
use object::LittleEndian as LE;
use object::elf;
use std::sync::Arc;

/// `ELF_MIN_ALIGN`.
const ELF_MIN_ALIGN: u64 = PAGE_SIZE;

/// `ELF_PAGESTART`.
fn elf_pagestart(v: u64) -> u64 {
    v & !(ELF_MIN_ALIGN - 1)
}

/// `ELF_PAGEOFFSET`.
fn elf_pageoffset(v: u64) -> u64 {
    v & (ELF_MIN_ALIGN - 1)
}

/// `ELF_PAGEALIGN` (wrapping, as the C macro does).
fn elf_pagealign(v: u64) -> u64 {
    v.wrapping_add(ELF_MIN_ALIGN - 1) & !(ELF_MIN_ALIGN - 1)
}

/// The fields of `struct elfhdr` the loader uses.
#[derive(Clone, Copy, Debug)]
struct ElfHdr {
    class: u8,
    e_type: u16,
    e_machine: u16,
    e_entry: u64,
    e_phoff: u64,
    e_phentsize: u16,
    e_phnum: u16,
}

/// `struct elf_phdr`.
#[derive(Clone, Copy, Debug)]
struct Phdr {
    p_type: u32,
    p_flags: u32,
    p_offset: u64,
    p_vaddr: u64,
    p_filesz: u64,
    p_memsz: u64,
    p_align: u64,
}

/// The ELF header at the start of `buf`, `None` without the ELF magic.
fn parse_elfhdr(buf: &[u8]) -> Option<ElfHdr> {
    let (h, _) = object::pod::from_bytes::<elf::FileHeader64<LE>>(buf).ok()?;
    if h.e_ident.magic != elf::ELFMAG {
        return None;
    }
    Some(ElfHdr {
        class: h.e_ident.class.0,
        e_type: h.e_type.get(LE).0,
        e_machine: h.e_machine.get(LE).0,
        e_entry: h.e_entry.get(LE),
        e_phoff: h.e_phoff.get(LE),
        e_phentsize: h.e_phentsize.get(LE),
        e_phnum: h.e_phnum.get(LE),
    })
}

/// `elf_check_arch` (x86-64; 32-bit images would go to the compat loader,
/// which the model does not have).
fn elf_check_arch(h: &ElfHdr) -> bool {
    h.e_machine == elf::EM_X86_64.0 && h.class == elf::ELFCLASS64.0
}

/// `load_elf_phdrs`: the program headers, `None` if their entry size is
/// not `sizeof(struct elf_phdr)`, there are none, they take more than a
/// page, or the file is too short.
fn load_elf_phdrs(h: &ElfHdr, file: &File) -> Option<Vec<Phdr>> {
    let entsize = std::mem::size_of::<elf::ProgramHeader64<LE>>();
    if usize::from(h.e_phentsize) != entsize {
        return None;
    }
    let size = entsize * usize::from(h.e_phnum);
    if size == 0 || size > 65536 || size as u64 > ELF_MIN_ALIGN {
        return None;
    }
    let mut bytes = vec![0u8; size];
    elf_read(file, h.e_phoff, &mut bytes).ok()?;
    let (phs, _) = object::pod::slice_from_bytes::<elf::ProgramHeader64<LE>>(&bytes, h.e_phnum.into()).ok()?;
    Some(
        phs.iter()
            .map(|p| Phdr {
                p_type: p.p_type.get(LE).0,
                p_flags: p.p_flags.get(LE).0,
                p_offset: p.p_offset.get(LE),
                p_vaddr: p.p_vaddr.get(LE),
                p_filesz: p.p_filesz.get(LE),
                p_memsz: p.p_memsz.get(LE),
                p_align: p.p_align.get(LE),
            })
            .collect(),
    )
}

/// `total_mapping_size`: from the first `PT_LOAD`'s page to the end of the
/// highest one (0 without any).
fn total_mapping_size(phdrs: &[Phdr]) -> u64 {
    let loads = phdrs.iter().filter(|p| p.p_type == elf::PT_LOAD.0);
    let min = loads.clone().map(|p| elf_pagestart(p.p_vaddr)).min();
    let max = loads.map(|p| p.p_vaddr.wrapping_add(p.p_memsz)).max();
    match (min, max) {
        (Some(lo), Some(hi)) => hi.wrapping_sub(lo),
        _ => 0,
    }
}

/// `maximum_alignment`: the largest power-of-two `p_align` of the
/// `PT_LOAD`s, at least a page.
fn maximum_alignment(phdrs: &[Phdr]) -> u64 {
    let a = phdrs
        .iter()
        .filter(|p| p.p_type == elf::PT_LOAD.0 && p.p_align.is_power_of_two())
        .map(|p| p.p_align)
        .max()
        .unwrap_or(0);
    elf_pagealign(a)
}

/// `make_prot`.
fn make_prot(p_flags: u32) -> Prot {
    let mut prot = Prot::NONE;
    if p_flags & elf::PF_R.0 != 0 {
        prot |= Prot::READ;
    }
    if p_flags & elf::PF_W.0 != 0 {
        prot |= Prot::WRITE;
    }
    if p_flags & elf::PF_X.0 != 0 {
        prot |= Prot::EXEC;
    }
    prot
}

/// What the loader maps with: the new address space and the task its
/// faults count to.
struct Loader<'a> {
    mm: &'a MmStruct,
    faults: &'a FaultCounters,
    task_size: u64,
}

impl Loader<'_> {
    /// `BAD_ADDR`.
    fn bad_addr(&self, x: u64) -> bool {
        x >= self.task_size
    }

    /// `vm_mmap` of `file`: the offset must be page aligned and not wrap.
    fn vm_mmap(&self, file: &Arc<File>, addr: u64, len: u64, prot: Prot, flags: MapFlags, off: u64) -> SysResult<u64> {
        if off.wrapping_add(elf_pagealign(len)) < off || off & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        self.mm.vm_mmap_pgoff(self.faults, Some(file), addr, len, prot, flags, off >> PAGE_SHIFT)
    }

    /// `elf_map`: the file part of a segment; with `total_size` (the
    /// first segment of a relocatable image) the whole image's room is
    /// taken and all but the segment given back.
    #[allow(clippy::too_many_arguments)]
    fn elf_map(
        &self,
        file: &Arc<File>,
        addr: u64,
        ph: &Phdr,
        prot: Prot,
        flags: MapFlags,
        total: u64,
    ) -> SysResult<u64> {
        let size = elf_pagealign(ph.p_filesz.wrapping_add(elf_pageoffset(ph.p_vaddr)));
        let off = ph.p_offset.wrapping_sub(elf_pageoffset(ph.p_vaddr));
        let addr = elf_pagestart(addr);
        if size == 0 {
            return Ok(addr);
        }
        let map_addr = if total != 0 {
            let total = elf_pagealign(total);
            let a = self.vm_mmap(file, addr, total, prot, flags, off)?;
            if !self.bad_addr(a) && total > size {
                let _ = self.mm.vm_munmap(a + size, total - size);
            }
            a
        } else {
            self.vm_mmap(file, addr, size, prot, flags, off)?
        };
        trace_note!(
            self.mm.machine.trace,
            "elf_map",
            "{:#x}-{:#x} {} offset {:#x}",
            map_addr,
            map_addr.wrapping_add(size),
            prot_str(prot),
            off
        );
        Ok(map_addr)
    }

    /// `padzero`: zeroes the rest of the page after `elf_bss` (a write
    /// through the user mapping, a fault counted to the task).
    fn padzero(&self, elf_bss: u64) -> SysResult<()> {
        let nbyte = elf_pageoffset(elf_bss);
        if nbyte != 0 {
            let zero = vec![0u8; (ELF_MIN_ALIGN - nbyte) as usize];
            copy_to_user(self.mm, self.faults, elf_bss, &zero)?;
            trace_note!(self.mm.machine.trace, "padzero", "{:#x}-{:#x}", elf_bss, elf_pagealign(elf_bss));
        }
        Ok(())
    }

    /// `elf_load`: `elf_map`, then the bss: the end of the last file page
    /// zeroed (`padzero`, its failure ignored for a read-only segment) and
    /// anonymous memory after it (`vm_brk_flags`).
    fn elf_load(
        &self,
        file: &Arc<File>,
        addr: u64,
        ph: &Phdr,
        prot: Prot,
        flags: MapFlags,
        total: u64,
    ) -> SysResult<u64> {
        let (map_addr, zero_start, zero_end);
        if ph.p_filesz != 0 {
            map_addr = self.elf_map(file, addr, ph, prot, flags, total)?;
            if self.bad_addr(map_addr) {
                return Ok(map_addr);
            }
            zero_start = map_addr.wrapping_add(elf_pageoffset(ph.p_vaddr)).wrapping_add(ph.p_filesz);
            zero_end = map_addr.wrapping_add(elf_pageoffset(ph.p_vaddr)).wrapping_add(ph.p_memsz);
            if ph.p_memsz > ph.p_filesz && self.padzero(zero_start).is_err() && prot.contains(Prot::WRITE) {
                return Err(Errno::EFAULT);
            }
        } else {
            map_addr = elf_pagestart(addr);
            zero_start = map_addr;
            zero_end = zero_start.wrapping_add(elf_pageoffset(ph.p_vaddr)).wrapping_add(ph.p_memsz);
        }
        if ph.p_memsz > ph.p_filesz {
            let (zs, ze) = (elf_pagealign(zero_start), elf_pagealign(zero_end));
            let exec = if prot.contains(Prot::EXEC) { VmFlags::EXEC } else { VmFlags::empty() };
            let mut st = self.mm.mmap_write_lock();
            if let Err(e) = self.mm.vm_brk_flags(&mut st, zs, ze.wrapping_sub(zs), exec) {
                trace_note!(self.mm.machine.trace, "elf_load", "bss {:#x}-{:#x}: {}", zs, ze, e.name());
                return Err(e);
            }
            trace_note!(self.mm.machine.trace, "elf_load", "bss {:#x}-{:#x} anonymous", zs, ze);
        }
        Ok(map_addr)
    }

    /// `load_elf_interp`: maps the interpreter (an ET_DYN goes where
    /// `get_unmapped_area` puts it, top-down below `mmap_base`); returns
    /// its load address.
    fn load_elf_interp(&self, ih: &ElfHdr, file: &Arc<File>, no_base: u64, phdrs: &[Phdr]) -> SysResult<u64> {
        let m = &*self.mm.machine;
        let _t = trace_enter!(m.trace, "load_elf_interp", "{}", file.path);
        // error = ~0UL: returned as is, an error number -1 (EPERM).
        if (ih.e_type != elf::ET_EXEC.0 && ih.e_type != elf::ET_DYN.0) || !elf_check_arch(ih) {
            return Err(Errno::EPERM);
        }
        let mut total = total_mapping_size(phdrs);
        if total == 0 {
            return Err(Errno::EINVAL);
        }
        let mut load_addr = 0u64;
        let mut load_addr_set = false;
        for ph in phdrs.iter().filter(|p| p.p_type == elf::PT_LOAD.0) {
            let mut flags = MapFlags::PRIVATE;
            let prot = make_prot(ph.p_flags);
            let vaddr = ph.p_vaddr;
            if ih.e_type == elf::ET_EXEC.0 || load_addr_set {
                flags |= MapFlags::FIXED;
            } else if no_base != 0 && ih.e_type == elf::ET_DYN.0 {
                load_addr = vaddr.wrapping_neg();
            }
            let map_addr = self.elf_load(file, load_addr.wrapping_add(vaddr), ph, prot, flags, total)?;
            total = 0;
            if self.bad_addr(map_addr) {
                return Err(Errno::EINVAL);
            }
            if !load_addr_set && ih.e_type == elf::ET_DYN.0 {
                load_addr = map_addr.wrapping_sub(elf_pagestart(vaddr));
                load_addr_set = true;
            }
            let k = load_addr.wrapping_add(ph.p_vaddr);
            if self.bad_addr(k)
                || ph.p_filesz > ph.p_memsz
                || ph.p_memsz > self.task_size
                || self.task_size - ph.p_memsz < k
            {
                return Err(Errno::ENOMEM);
            }
        }
        trace_note!(m.trace, "load_elf_interp", "load address {:#x}", load_addr);
        Ok(load_addr)
    }
}

fn prot_str(p: Prot) -> String {
    let mut f = VmFlags::empty();
    if p.contains(Prot::READ) {
        f |= VmFlags::READ;
    }
    if p.contains(Prot::WRITE) {
        f |= VmFlags::WRITE;
    }
    if p.contains(Prot::EXEC) {
        f |= VmFlags::EXEC;
    }
    String::from_utf8_lossy(&f.maps_perms()[..3]).into_owned()
}

/// `load_elf_binary`: `ENOEXEC` if `bprm` is not an ELF64 x86-64
/// executable; errors before `begin_new_exec` leave the task as it was.
pub fn load_elf_binary(k: &mut Kernel, pid: Pid, bprm: &mut LinuxBinprm) -> SysResult<()> {
    let Some(elf_ex) = parse_elfhdr(&bprm.buf) else {
        return Err(Errno::ENOEXEC);
    };
    let m = k.machine().clone();
    let _t = trace_enter!(
        m.trace,
        "load_elf_binary",
        "{} (type {}, {} program headers)",
        bprm.file.path,
        elf_ex.e_type,
        elf_ex.e_phnum
    );
    if elf_ex.e_type != elf::ET_EXEC.0 && elf_ex.e_type != elf::ET_DYN.0 {
        return Err(Errno::ENOEXEC);
    }
    if !elf_check_arch(&elf_ex) {
        return Err(Errno::ENOEXEC);
    }
    let file = bprm.file.clone();
    let phdrs = load_elf_phdrs(&elf_ex, &file).ok_or(Errno::ENOEXEC)?;
    let mut interpreter = None;
    if let Some(ph) = phdrs.iter().find(|p| p.p_type == elf::PT_INTERP.0) {
        if ph.p_filesz > super::PATH_MAX || ph.p_filesz < 2 {
            return Err(Errno::ENOEXEC);
        }
        let mut name = vec![0u8; ph.p_filesz as usize];
        elf_read(&file, ph.p_offset, &mut name)?;
        if name.last() != Some(&0) {
            return Err(Errno::ENOEXEC);
        }
        let path = String::from_utf8_lossy(super::c_str(&name)).into_owned();
        trace_note!(m.trace, "load_elf_binary", "PT_INTERP {path}");
        let f = k.open_exec(&path)?;
        let mut ibuf = [0u8; std::mem::size_of::<elf::FileHeader64<LE>>()];
        elf_read(&f, 0, &mut ibuf)?;
        interpreter = Some((f, ibuf));
    }
    let mut executable_stack = None;
    for ph in phdrs.iter().filter(|p| p.p_type == elf::PT_GNU_STACK.0) {
        executable_stack = Some(ph.p_flags & elf::PF_X.0 != 0);
    }
    let interp = match interpreter {
        Some((f, ibuf)) => {
            let ih = parse_elfhdr(&ibuf).ok_or(Errno::ELIBBAD)?;
            if !elf_check_arch(&ih) {
                return Err(Errno::ELIBBAD);
            }
            let iph = load_elf_phdrs(&ih, &f).ok_or(Errno::ELIBBAD)?;
            Some((f, ih, iph))
        }
        None => None,
    };

    // Flush all traces of the currently running executable.
    k.begin_new_exec(pid, bprm)?;
    // setup_new_exec: arch_pick_mmap_layout (mmap_base from RLIMIT_STACK,
    // top-down) was done when the address space was made.
    let mm = bprm.mm.clone();
    let arg_start = setup_arg_pages(bprm, stack_top(&m), executable_stack)?;
    let task = bprm.task.clone();
    let ld = Loader { mm: &mm, faults: &task.faults, task_size: mm.mmap_lock.read().task_size };

    let _l = trace_enter!(
        m.trace,
        "elf_load",
        "{} PT_LOAD segments",
        phdrs.iter().filter(|p| p.p_type == elf::PT_LOAD.0).count()
    );
    let mut elf_brk = 0u64;
    let mut load_bias = 0u64;
    let mut first_pt_load = true;
    let mut phdr_addr = 0u64;
    for ph in phdrs.iter().filter(|p| p.p_type == elf::PT_LOAD.0) {
        let prot = make_prot(ph.p_flags);
        let mut flags = MapFlags::PRIVATE;
        let mut total_size = 0;
        let vaddr = ph.p_vaddr;
        if !first_pt_load {
            flags |= MapFlags::FIXED;
        } else if elf_ex.e_type == elf::ET_EXEC.0 {
            flags |= MapFlags::FIXED_NOREPLACE;
        } else {
            total_size = total_mapping_size(&phdrs);
            if total_size == 0 {
                return Err(Errno::EINVAL);
            }
            let alignment = maximum_alignment(&phdrs);
            if interp.is_some() {
                // A program: at ELF_ET_DYN_BASE (no ASLR offset).
                load_bias = ELF_ET_DYN_BASE_ALIGNED(elf_et_dyn_base(&m), alignment);
                flags |= MapFlags::FIXED_NOREPLACE;
            } else if alignment > ELF_MIN_ALIGN {
                // A loader with a large alignment: find room, then align.
                load_bias = ld.elf_load(&file, 0, ph, prot, flags, total_size)?;
                if ld.bad_addr(load_bias) {
                    return Err(Errno::EINVAL);
                }
                let _ = mm.vm_munmap(load_bias, elf_pagealign(total_size));
                load_bias &= !(alignment - 1);
                flags |= MapFlags::FIXED_NOREPLACE;
            } else {
                // A loader: wherever mmap puts it.
                load_bias = 0;
            }
            load_bias = elf_pagestart(load_bias.wrapping_sub(vaddr));
            trace_note!(m.trace, "load_elf_binary", "ET_DYN: load_bias {:#x} (alignment {:#x})", load_bias, alignment);
        }
        let addr = ld.elf_load(&file, load_bias.wrapping_add(vaddr), ph, prot, flags, total_size)?;
        if ld.bad_addr(addr) {
            return Err(Errno::EINVAL);
        }
        if first_pt_load {
            first_pt_load = false;
            if elf_ex.e_type == elf::ET_DYN.0 {
                load_bias = load_bias.wrapping_add(addr.wrapping_sub(elf_pagestart(load_bias.wrapping_add(vaddr))));
            }
        }
        if ph.p_offset <= elf_ex.e_phoff && elf_ex.e_phoff < ph.p_offset.wrapping_add(ph.p_filesz) {
            phdr_addr = (elf_ex.e_phoff - ph.p_offset).wrapping_add(ph.p_vaddr);
        }
        let k_ = ph.p_vaddr;
        if ld.bad_addr(k_) || ph.p_filesz > ph.p_memsz || ph.p_memsz > ld.task_size || ld.task_size - ph.p_memsz < k_ {
            return Err(Errno::EINVAL);
        }
        elf_brk = elf_brk.max(ph.p_vaddr + ph.p_memsz);
    }
    drop(_l);
    let e_entry = elf_ex.e_entry.wrapping_add(load_bias);
    phdr_addr = phdr_addr.wrapping_add(load_bias);
    elf_brk = elf_brk.wrapping_add(load_bias);

    let (elf_entry, interp_load_addr) = match &interp {
        Some((f, ih, iph)) => {
            let load_addr = ld.load_elf_interp(ih, f, load_bias, iph)?;
            let entry = load_addr.wrapping_add(ih.e_entry);
            if ld.bad_addr(entry) {
                return Err(Errno::EINVAL);
            }
            (entry, load_addr)
        }
        None => {
            if ld.bad_addr(e_entry) {
                return Err(Errno::EINVAL);
            }
            (e_entry, 0)
        }
    };
    // ARCH_SETUP_ADDITIONAL_PAGES
    let vdso = map_vdso(&mm)?;
    create_elf_tables(bprm, &elf_ex, arg_start, interp_load_addr, e_entry, phdr_addr, vdso)?;

    // A loader run directly (ET_DYN without interpreter) gets its brk at
    // ELF_ET_DYN_BASE, out of the mmap area.
    if elf_ex.e_type == elf::ET_DYN.0 && interp.is_none() {
        elf_brk = elf_et_dyn_base(&m);
    }
    let brk = elf_pagealign(elf_brk);
    let mut st = mm.mmap_write_lock();
    st.start_brk = brk;
    st.brk = brk;
    st.start_stack = bprm.p;
    st.vsyscall_gate = true;
    trace_note!(m.trace, "load_elf_binary", "entry {:#x}, brk {:#x}, stack pointer {:#x}", elf_entry, brk, bprm.p);
    Ok(())
}

/// `ELF_ET_DYN_BASE` aligned down to the image's alignment.
#[allow(non_snake_case)]
fn ELF_ET_DYN_BASE_ALIGNED(base: u64, alignment: u64) -> u64 {
    if alignment != 0 { base & !(alignment - 1) } else { base }
}

/// x86-64 `AT_*` numbers of the auxiliary vector.
mod at {
    pub(super) const NULL: u64 = 0;
    pub(super) const PHDR: u64 = 3;
    pub(super) const PHENT: u64 = 4;
    pub(super) const PHNUM: u64 = 5;
    pub(super) const PAGESZ: u64 = 6;
    pub(super) const BASE: u64 = 7;
    pub(super) const FLAGS: u64 = 8;
    pub(super) const ENTRY: u64 = 9;
    pub(super) const UID: u64 = 11;
    pub(super) const EUID: u64 = 12;
    pub(super) const GID: u64 = 13;
    pub(super) const EGID: u64 = 14;
    pub(super) const PLATFORM: u64 = 15;
    pub(super) const HWCAP: u64 = 16;
    pub(super) const CLKTCK: u64 = 17;
    pub(super) const SECURE: u64 = 23;
    pub(super) const RANDOM: u64 = 25;
    pub(super) const HWCAP2: u64 = 26;
    pub(super) const RSEQ_FEATURE_SIZE: u64 = 27;
    pub(super) const RSEQ_ALIGN: u64 = 28;
    pub(super) const EXECFN: u64 = 31;
    pub(super) const SYSINFO_EHDR: u64 = 33;
    pub(super) const MINSIGSTKSZ: u64 = 51;
}

/// `ELF_PLATFORM` on x86-64.
const ELF_PLATFORM: &[u8] = b"x86_64\0";

/// `create_elf_tables`: below the strings, the platform string and 16
/// random bytes (`AT_RANDOM`), then, 16-byte aligned, `argc`, the
/// `argv` and `envp` pointers and the auxiliary vector.  The stack pointer
/// ends at `argc` (`bprm.p`, `mm->start_stack`); the pages written fault in
/// as the task's.
fn create_elf_tables(
    bprm: &mut LinuxBinprm,
    exec: &ElfHdr,
    arg_start: u64,
    interp_load_addr: u64,
    e_entry: u64,
    phdr_addr: u64,
    vdso: u64,
) -> SysResult<()> {
    let mm = bprm.mm.clone();
    let m = &*mm.machine;
    let task = bprm.task.clone();
    let faults = &task.faults;
    // arch_align_stack without randomisation.
    let mut p = bprm.p & !0xf;
    p -= ELF_PLATFORM.len() as u64;
    let u_platform = p;
    copy_to_user(&mm, faults, u_platform, ELF_PLATFORM)?;
    // get_random_bytes: the model's are a function of the address space.
    let mut seed = mm.id.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rand = [0u8; 16];
    for b in &mut rand {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *b = seed as u8;
    }
    p -= rand.len() as u64;
    let u_rand_bytes = p;
    copy_to_user(&mm, faults, u_rand_bytes, &rand)?;
    let auxv: [(u64, u64); 23] = [
        (at::SYSINFO_EHDR, vdso),
        (at::MINSIGSTKSZ, 3376),
        (at::HWCAP, 0x178b_fbff),
        (at::PAGESZ, PAGE_SIZE),
        (at::CLKTCK, 100),
        (at::PHDR, phdr_addr),
        (at::PHENT, std::mem::size_of::<elf::ProgramHeader64<LE>>() as u64),
        (at::PHNUM, exec.e_phnum.into()),
        (at::BASE, interp_load_addr),
        (at::FLAGS, 0),
        (at::ENTRY, e_entry),
        (at::UID, 0),
        (at::EUID, 0),
        (at::GID, 0),
        (at::EGID, 0),
        (at::SECURE, 0),
        (at::RANDOM, u_rand_bytes),
        (at::HWCAP2, 2),
        (at::EXECFN, bprm.exec),
        (at::PLATFORM, u_platform),
        (at::RSEQ_FEATURE_SIZE, 28),
        (at::RSEQ_ALIGN, 32),
        (at::NULL, 0),
    ];
    let ei_index = auxv.len() as u64 * 2;
    let sp = p - ei_index * 8;
    let items = (bprm.argc as u64 + 1) + (bprm.envc as u64 + 1) + 1;
    bprm.p = (sp - items * 8) & !15;
    let _t = trace_enter!(m.trace, "create_elf_tables", "stack pointer {:#x}, {} auxv entries", bprm.p, auxv.len());
    // find_extend_vma_locked
    {
        let mut st = mm.mmap_write_lock();
        let vma = st.vmas.find(bprm.p).filter(|v| v.flags.contains(VmFlags::GROWSDOWN) || v.start <= bprm.p);
        let Some(vma) = vma else {
            return Err(Errno::EFAULT);
        };
        if vma.start > bprm.p {
            let start = vma.start;
            mm.expand_downwards(&mut st, start, bprm.p, bprm.rlim_stack).map_err(|_| Errno::EFAULT)?;
        }
    }
    let mut words: Vec<u64> = Vec::with_capacity(items as usize + ei_index as usize);
    words.push(bprm.argc as u64);
    let mut s = arg_start;
    for &len in bprm.arg_lens.iter().rev() {
        words.push(s);
        s += len;
    }
    words.push(0);
    for &len in &bprm.env_lens {
        words.push(s);
        s += len;
    }
    words.push(0);
    for (id, val) in auxv {
        words.push(id);
        words.push(val);
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    copy_to_user(&mm, faults, bprm.p, &bytes)
}
