# After fork both processes map the shared pages; khugepaged collapses
# the block once (in the page cache) and retracts the page tables of
# both; each process then faults its own PMD in.
machine thp_shmem_enabled=advise
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x10000 9
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
fork
process 1
load 0x100000000 0x4000
store 0x100100000 1 10
khugepaged
dump smaps child
load 0x100100000
dump smaps child-faulted
process 0
dump smaps parent
load 0x100000000
dump smaps parent-faulted
