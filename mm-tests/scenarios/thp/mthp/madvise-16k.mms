# 16 kB madvise: 4 kB pages without MADV_HUGEPAGE, 16 kB folios with it.
machine thp_enabled_16k=madvise
window 0x100000000 0x101000000
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
madvise(0x100010000, 0x10000, MADV_HUGEPAGE) = 0
store 0x100010000
dump smaps
