# gen_khugepaged_shmem.py 36
machine tmpfs_huge=advise
machine khugepaged_max_ptes_none=511
window 0x100000000 0x101000000
file f 0x205000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x100089000 0x8000
store 0x10031e000 0x40000 2
load 0x1003a1000 0x1000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
khugepaged
dump smaps after
load 0x10003f000 0x2000
load 0x100367000 0x2000
dump smaps faulted
