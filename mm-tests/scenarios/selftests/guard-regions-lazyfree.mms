# selftests/mm/guard-regions.c, lazyfree and populate: MADV_FREE keeps
# guard pages; MADV_POPULATE_READ and _WRITE over them fail with EFAULT.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0xa000
madvise(0x100000000, 0xa000, MADV_GUARD_INSTALL) = 0
madvise(0x100001000, 0x8000, MADV_GUARD_REMOVE) = 0
madvise(0x100000000, 0xa000, MADV_FREE) = 0
load 0x100000000
load 0x100009000
madvise(0x100000000, 0xa000, MADV_POPULATE_READ) = -1 EFAULT (Bad address)
madvise(0x100000000, 0xa000, MADV_POPULATE_WRITE) = -1 EFAULT (Bad address)
dump after
