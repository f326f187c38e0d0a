# gen_khugepaged_shmem.py 12
machine tmpfs_huge=within_size
machine khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
store 0x100000000 0x200000 1
store 0x1003f4000 0x2000 2
load 0x1002ad000 0x2000
store 0x1002cc000 0x1000 2
load 0x1004cc000 0x12c000
mmap(0x100800000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100800000
store 0x10083e000 1 0x77
load 0x1008e4000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
store 0x10033e000 0x40000 9
khugepaged
dump smaps after
load 0x100503000 0x2000
load 0x100800000 0x2000
dump smaps faulted
process 0
dump smaps parent
