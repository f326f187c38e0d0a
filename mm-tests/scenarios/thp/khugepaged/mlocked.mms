# An mlocked block of 4 KiB pages (mlock after the writes) is collapsed:
# its pages are on the (unevictable) LRU; the THP is mlocked in turn.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
mlock(0x100000000, 0x200000) = 0
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
