# gen_khugepaged_shmem.py 31
machine tmpfs_huge=advise
machine thp_shmem_enabled=deny
machine khugepaged_max_ptes_none=511
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x10016c000 0x8000
load 0x1001f6000 0x2000
store 0x10008b000 0x1000 1
load 0x100234000 0x12c000
store 0x100278000 0x1000 2
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
load 0x100331000 0x40000
store 0x100372000 0x8000 9
khugepaged
dump smaps after
load 0x100118000 0x2000
load 0x10021a000 0x2000
dump smaps faulted
process 0
dump smaps parent
