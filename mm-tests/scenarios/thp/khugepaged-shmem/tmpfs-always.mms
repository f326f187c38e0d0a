# tmpfs huge=always: the file's first block is one 2 MiB folio (its write
# took it), mapped by 4 KiB entries in a MADV_NOHUGEPAGE mapping; the
# second block holds 4 KiB pages written through the mapping.  After
# MADV_HUGEPAGE khugepaged retracts the first block's page table
# (collapse_pte_mapped_thp without installing the PMD) and collapses the
# second (collapse_file); the next faults map PMDs.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x100000000
store 0x100200000 0x8000 8
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100000000 0x2000
load 0x100207000 0x2000
dump smaps faulted
