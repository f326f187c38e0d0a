# MADV_DONTFORK on half of a THP splits it; the child does not get that half.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
madvise(0x100000000, 0x100000, MADV_DONTFORK) = 0
fork
process 1
dump smaps child
process 0
dump smaps parent
