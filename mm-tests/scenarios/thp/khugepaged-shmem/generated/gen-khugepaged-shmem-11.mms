# gen_khugepaged_shmem.py 11
machine tmpfs_huge=advise
machine khugepaged_max_ptes_none=500
window 0x100000000 0x101000000
file f 0x3000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
store 0x100000000 0x200000 1
store 0x10022e000 0x2000 2
madvise(0x100400000, 0x200000, MADV_NOHUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
khugepaged
dump smaps after
load 0x1001a9000 0x2000
load 0x10021e000 0x2000
load 0x1005c2000 0x2000
dump smaps faulted
