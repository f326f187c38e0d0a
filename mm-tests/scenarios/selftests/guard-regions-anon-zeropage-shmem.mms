# selftests/mm/guard-regions.c, TEST_F(guard_regions, anon_zeropage):
# Guard pages in a read-only mapping (the zero page for anonymous
# memory): every other page faults; after removal every page reads
# zeros.
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ, MAP_SHARED, 3, 0) = $p
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x2000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x6000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x8000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
load $p+0x1000
load $p+0x2000
load $p+0x3000
load $p+0x4000
load $p+0x5000
load $p+0x6000
load $p+0x7000
load $p+0x8000
load $p+0x9000
dump guarded
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
load $p 0xa000
dump removed
munmap($p, 0xa000) = 0
