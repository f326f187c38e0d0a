# max_ptes_none=500: a block of shared anonymous memory with 12 pages in
# the page cache (512 - 500) is collapsed, one with 11 is not
# (SCAN_EXCEED_NONE_PTE).
machine thp_shmem_enabled=advise khugepaged_max_ptes_none=500
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0xc000 1
store 0x100200000 0xb000 2
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps after
