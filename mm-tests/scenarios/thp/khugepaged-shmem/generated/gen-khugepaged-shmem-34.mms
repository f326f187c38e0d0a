# gen_khugepaged_shmem.py 34
machine thp_shmem_enabled=deny
machine khugepaged_max_ptes_none=511
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
store 0x100221000 0x40000 2
store 0x1002ae000 0xd000 2
madvise(0x100000000, 0x200000, MADV_NOHUGEPAGE) = 0
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
load 0x10029e000 0x1000
store 0x10023e000 0x1000 9
load 0x10038c000 0x1000
khugepaged
dump smaps after
load 0x100145000 0x2000
load 0x1002c3000 0x2000
dump smaps faulted
process 0
dump smaps parent
