# MADV_FREE, MADV_COLD and MADV_PAGEOUT leave the huge zero page's PMD
# as it is, over the whole block or part of it (madvise_free_huge_pmd,
# madvise_cold_or_pageout_pte_range skip is_huge_zero_pmd).
window 0x100000000 0x101000000
mmap(0x100000000, 0x800000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x100000000, 0x800000, MADV_HUGEPAGE)
load 0x100000000 0x1
load 0x100200000 0x1
load 0x100400000 0x1
load 0x100600000 0x1
madvise(0x1000eb000, 0x10000, MADV_FREE)
madvise(0x100200000, 0x200000, MADV_FREE)
madvise(0x100401000, 0x4000, MADV_COLD)
madvise(0x100600000, 0x200000, MADV_PAGEOUT)
madvise(0x100000000, 0x3000, MADV_PAGEOUT)
dump smaps
