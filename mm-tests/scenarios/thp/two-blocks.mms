# A 4 MiB MADV_HUGEPAGE range: one fault per block written; a read of the third block.
window 0x100000000 0x101000000
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x600000, MADV_HUGEPAGE) = 0
store 0x100000000
store 0x1003ff000
load 0x100400000
dump smaps
