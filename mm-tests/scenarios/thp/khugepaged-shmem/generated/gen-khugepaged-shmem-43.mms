# gen_khugepaged_shmem.py 43
machine tmpfs_huge=advise
machine khugepaged_max_ptes_none=510
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
store 0x100000000 0x200000 1
load 0x10013f000 0x40000
store 0x100264000 0x12c000 2
store 0x10027f000 0x1000 2
store 0x1002a4000 0x1000 2
madvise(0x100200000, 0x200000, MADV_NOHUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
khugepaged
dump smaps after
load 0x10005d000 0x2000
load 0x100219000 0x2000
dump smaps faulted
