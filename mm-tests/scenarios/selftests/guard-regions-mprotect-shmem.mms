# selftests/mm/guard-regions.c, TEST_F(guard_regions, mprotect):
# mprotect has no bearing on guard markers: guard pages made read-only
# still fault, can be guarded again, and are readable once removed.
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
madvise($p+0x5000, 0x2000, MADV_GUARD_INSTALL) = 0
load $p+0x5000
store $p+0x5000 0x1 0x78
load $p+0x6000
store $p+0x6000 0x1 0x78
mprotect($p+0x5000, 0x2000, PROT_READ) = 0
load $p+0x5000
load $p+0x6000
madvise($p+0x5000, 0x2000, MADV_GUARD_INSTALL) = 0
load $p+0x5000
load $p+0x6000
dump read-only
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
dump removed
munmap($p, 0xa000) = 0
