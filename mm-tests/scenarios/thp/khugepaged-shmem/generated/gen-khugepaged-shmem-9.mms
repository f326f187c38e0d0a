# gen_khugepaged_shmem.py 9
machine tmpfs_huge=advise
machine thp_shmem_enabled=deny
machine khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
file f 0x205000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
store 0x100156000 0x1000 1
store 0x100184000 0x1000 1
store 0x100228000 0x12c000 2
store 0x100271000 0x1000 2
load 0x100588000 0x1000
store 0x10052a000 0x1000 3
load 0x100573000 0x8000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
store 0x1001a5000 0x1000 9
khugepaged
dump smaps after
load 0x1000fb000 0x2000
load 0x100279000 0x2000
load 0x1005d0000 0x2000
dump smaps faulted
process 0
dump smaps parent
