# khugepaged_max_ptes_none=0: only a block with every entry mapping a
# page is collapsed; one page short, or a page among zero-page reads, is
# not (thp_scan_exceed_none_pte).
machine khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
store 0x100200000 0x1ff000
load 0x100400000 0x200000
store 0x100400000
madvise(0x100000000, 0x600000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
