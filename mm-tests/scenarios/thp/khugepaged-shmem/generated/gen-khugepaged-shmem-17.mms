# gen_khugepaged_shmem.py 17
machine thp_shmem_enabled=advise
machine khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_NOHUGEPAGE) = 0
load 0x100038000 0xd000
load 0x1002d0000 0x12c000
load 0x100547000 0x40000
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100400000, 0x200000, MADV_NOHUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
store 0x1000a9000 0x8000 9
khugepaged
dump smaps after
load 0x10029e000 0x2000
load 0x100503000 0x2000
dump smaps faulted
process 0
dump smaps parent
