# shmem_enabled=advise: MADV_HUGEPAGE on MAP_SHARED|MAP_ANONYMOUS memory
# written in 4 KiB pages puts the address space on khugepaged's list;
# its scan of the page cache (hpage_collapse_scan_file) makes each block
# one 2 MiB folio (collapse_file), and the page tables that mapped the old
# pages are retracted: nothing is mapped until the next fault maps a PMD.
machine thp_shmem_enabled=advise
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x10000 1
store 0x100200000 1 2
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100000000 0x2000
load 0x10000f000 0x2000
load 0x100200000 0x2000
dump smaps faulted
