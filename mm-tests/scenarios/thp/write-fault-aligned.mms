# MADV_HUGEPAGE, then one write fault in an aligned 2 MiB range maps a THP with one PMD: one fault.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
dump smaps after write
store 0x1001ff000
dump after second write
