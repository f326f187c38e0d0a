# A block with one page written and one with a written page among
# zero-page reads collapse too: max_ptes_none (511) allows every other
# entry to be empty or the zero page.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100001000
load 0x100200000 0x100000
store 0x100210000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
load 0x100000000 0x3000
load 0x100210000
