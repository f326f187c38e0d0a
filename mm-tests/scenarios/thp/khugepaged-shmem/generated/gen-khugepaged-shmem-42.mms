# gen_khugepaged_shmem.py 42
machine thp_shmem_enabled=force
machine khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x100047000 0x8000
store 0x1003b0000 0x1000 2
store 0x1002df000 0x1000 2
load 0x1002cb000 0x1000
madvise(0x100000000, 0x200000, MADV_NOHUGEPAGE) = 0
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
fork
process 1
khugepaged
dump smaps after
load 0x100051000 0x2000
load 0x1002ae000 0x2000
dump smaps faulted
process 0
dump smaps parent
