# gen_khugepaged_shmem.py 40
machine tmpfs_huge=within_size
machine khugepaged_max_ptes_none=510
window 0x100000000 0x101000000
file f 0x380000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
store 0x100186000 0x2000 1
store 0x100284000 0x1000 2
load 0x10033d000 0x8000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
khugepaged
dump smaps after
load 0x100080000 0x2000
dump smaps faulted
