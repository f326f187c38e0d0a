# MADV_COLD clears the young bits and referenced flags of a block's
# pages: khugepaged finds no young entry there and leaves it; the block
# next to it, written and not cooled, is collapsed.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x400000
madvise(0x100000000, 0x200000, MADV_COLD) = 0
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
