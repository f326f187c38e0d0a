# tmpfs huge=never: a MADV_HUGEPAGE mapping of a tmpfs file is not
# collapsed (shmem_allowable_huge_orders allows no order), though the
# address space is on khugepaged's list.
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 0x400000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
mmap(0x100800000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100800000
madvise(0x100800000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100800000
khugepaged
dump smaps after
