# selftests/mm/guard-regions.c, mremap_move, mremap_expand and
# mremap_shrink: guard pages move with their VMA, stay when it grows,
# and go with the part a shrink removes.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 4096, MADV_GUARD_INSTALL) = 0
madvise(0x100009000, 4096, MADV_GUARD_INSTALL) = 0
mremap(0x100000000, 0xa000, 0xa000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100040000) = 0x100040000
load 0x100040000
load 0x100049000
load 0x100041000
mremap(0x100040000, 0xa000, 0x14000, 0) = 0x100040000
load 0x100049000
load 0x10004a000
mremap(0x100040000, 0x14000, 0x9000, 0) = 0x100040000
load 0x100040000
dump after
