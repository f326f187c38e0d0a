# Guard pages met by population: MADV_POPULATE_READ/WRITE stop at the guard page
# with EFAULT, mlock with ENOMEM (the pages before it populated and locked),
# guard install refused on a locked VMA, mincore sees a marker as empty.
window 0x100000000 0x300000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x100001000, 4096, MADV_GUARD_INSTALL) = 0
madvise(0x100000000, 16384, MADV_POPULATE_READ)
madvise(0x100000000, 16384, MADV_POPULATE_WRITE)
mincore(0x100000000, 16384, v)
dump a
mmap(0x200000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x200001000, 4096, MADV_GUARD_INSTALL) = 0
mlock(0x200000000, 16384)
mincore(0x200000000, 16384, v)
madvise(0x200001000, 4096, MADV_GUARD_INSTALL)
mlock2(0x200000000, 16384, MLOCK_ONFAULT)
dump b
munlock(0x200000000, 16384)
madvise(0x200000000, 16384, MADV_GUARD_INSTALL)
mlockall(MCL_CURRENT)
dump c
munlockall()
