# gen_khugepaged_shmem.py 21
machine tmpfs_huge=advise
machine khugepaged_max_ptes_none=511
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
store 0x100102000 0x2000 1
store 0x10000e000 0x1000 1
store 0x100011000 0x12c000 1
store 0x100363000 0x8000 2
load 0x100400000 0x200000
store 0x100400000 0x200000 3
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100400000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
load 0x10011a000 0x2000
store 0x10007c000 0x12c000 9
khugepaged
dump smaps after
load 0x1000f0000 0x2000
load 0x10058f000 0x2000
dump smaps faulted
process 0
dump smaps parent
