# A PROT_NONE THP leaf is split by a later partial operation like any
# leaf: munmap of one page and mprotect of part of it leave PTEs, still
# PROT_NONE and present, the unmapped page gone from Rss.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
store 0x100000000
store 0x100200000
mprotect(0x100000000, 0x400000, PROT_NONE) = 0
munmap(0x100001000, 0x1000) = 0
mprotect(0x100300000, 0x100000, PROT_READ) = 0
dump smaps split
load 0x100300000
store 0x100000000
dump smaps after
