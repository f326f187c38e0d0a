# Blocks with nothing but empty or zero-page entries are not collapsed
# (512 of them exceed max_ptes_none): one whose pages MADV_DONTNEED
# dropped (its table stays), one only read; a third, written, is.
window 0x100000000 0x101000000
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
madvise(0x100000000, 0x200000, MADV_DONTNEED) = 0
load 0x100200000 0x200000
store 0x100400000 0x10000
madvise(0x100000000, 0x600000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
