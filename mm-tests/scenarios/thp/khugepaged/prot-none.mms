# A written block made PROT_NONE is collapsed: its entries stay present
# (PROT_NONE entries) and khugepaged's scan takes them as pages; a
# PROT_NONE PMD leaf maps the THP.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
mprotect(0x100000000, 0x200000, PROT_NONE) = 0
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
