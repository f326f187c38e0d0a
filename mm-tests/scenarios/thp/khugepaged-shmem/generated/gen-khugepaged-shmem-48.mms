# gen_khugepaged_shmem.py 48
machine thp_shmem_enabled=never
machine khugepaged_max_ptes_none=510
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x100196000 0xd000
load 0x10016d000 0x8000
load 0x10004f000 0x2000
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
store 0x10000e000 0x8000 9
store 0x100087000 0x1000 9
khugepaged
dump smaps after
load 0x100041000 0x2000
load 0x100318000 0x2000
dump smaps faulted
process 0
dump smaps parent
