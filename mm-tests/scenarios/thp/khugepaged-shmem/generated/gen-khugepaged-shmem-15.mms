# gen_khugepaged_shmem.py 15
machine thp_shmem_enabled=never
machine khugepaged_max_ptes_none=510
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
store 0x100208000 0x8000 2
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
store 0x10028f000 0x40000 9
load 0x100275000 0x40000
khugepaged
dump smaps after
load 0x1000b5000 0x2000
load 0x100272000 0x2000
dump smaps faulted
process 0
dump smaps parent
