# MADV_HUGEPAGE after 4 KiB pages were faulted: the block with a page stays 4 KiB, an empty one takes a THP.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
store 0x100001000
store 0x100200000
dump smaps
