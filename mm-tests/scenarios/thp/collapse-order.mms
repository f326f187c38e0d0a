# MADV_COLLAPSE's checks in 6.18's order: a range of no whole 2 MiB block
# is EINVAL in a never-written VMA and success in one with an anon_vma;
# zero-page-only, empty-table and read-only blocks collapse once the VMA
# has an anon_vma (none: EINVAL); an empty PMD ends the walk at once.
window 0x100000000 0x101000000
mmap(0x100000000, 0xc00000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x100bb7000, 0x33c000, MADV_COLLAPSE)
madvise(0x100bb7000, 0x49000, MADV_COLLAPSE)
madvise(0x100a01000, 0x1ff000, MADV_COLLAPSE)
load 0x100a00000 0x1ed000
madvise(0x100a00000, 0x200000, MADV_COLLAPSE)
madvise(0x100a00000, 0x400000, MADV_COLLAPSE)
store 0x100800000 0x1 1
madvise(0x100b00000, 0x300000, MADV_COLLAPSE)
madvise(0x100bb7000, 0x49000, MADV_COLLAPSE)
madvise(0x100a00000, 0x200000, MADV_COLLAPSE)
store 0x100600000 0x1 1
madvise(0x100600000, 0x1000, MADV_DONTNEED)
load 0x100200000 0x1000
madvise(0x100000000, 0x400000, MADV_COLLAPSE)
madvise(0x100200000, 0x600000, MADV_COLLAPSE)
store 0x100000000 0x1 1
mprotect(0x100000000, 0x200000, PROT_READ)
madvise(0x100000000, 0x200000, MADV_COLLAPSE)
dump smaps
