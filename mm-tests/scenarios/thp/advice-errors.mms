# THP advice errors: unaligned start, a hole, an unmapped range.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000800, 0x200000, MADV_HUGEPAGE) = -1 EINVAL (Invalid argument)
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100800000, 0x200000, MADV_NOHUGEPAGE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100800000, 0x200000, MADV_COLLAPSE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100000000, 0, MADV_COLLAPSE)
dump
