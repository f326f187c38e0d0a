# tmpfs huge=always: a 2 MiB folio mapped by 4 KiB entries (faulted while
# mprotect had split the VMA; the VMAs merged again) is not copied: the
# scan finds the PMD-sized folio (SCAN_PTE_MAPPED_HUGEPAGE) and
# khugepaged retracts the page table without installing the PMD
# (collapse_pte_mapped_thp); the next fault maps it.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
mprotect(0x100201000, 0x1000, PROT_READ) = 0
load 0x100200000
mprotect(0x100201000, 0x1000, PROT_READ|PROT_WRITE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100200000
dump smaps faulted
