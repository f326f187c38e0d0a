# A faulted VMA moved by mremap keeps its page offset; its aligned 2 MiB blocks still take THPs (no offset check for anonymous memory).
window 0x100000000 0x101000000
mmap(0x100001000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
store 0x100001000
mremap(0x100001000, 0x400000, 0x400000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100800000) = 0x100800000
madvise(0x100800000, 0x400000, MADV_HUGEPAGE) = 0
store 0x100a00000
dump smaps
