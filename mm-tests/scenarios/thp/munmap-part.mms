# munmap of one 4 KiB page inside a THP splits its PMD: the rest stays mapped by PTEs.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
munmap(0x100100000, 0x1000) = 0
dump smaps
store 0x100101000
load 0x100100000
dump after access
