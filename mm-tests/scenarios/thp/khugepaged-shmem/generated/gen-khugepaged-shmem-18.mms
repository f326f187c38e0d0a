# gen_khugepaged_shmem.py 18
machine tmpfs_huge=advise
machine khugepaged_max_ptes_none=64
window 0x100000000 0x101000000
file f 0x580000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
store 0x1000f5000 0x2000 1
store 0x100064000 0xd000 1
load 0x1005bb000 0x2000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100400000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
khugepaged
dump smaps after
load 0x100067000 0x2000
dump smaps faulted
