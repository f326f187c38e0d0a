# selftests/mm/guard-regions.c, TEST_F(guard_regions, mremap_shrink):
# An mremap shrink drops the guard markers of the part it removes; the
# others stay, also when the mapping grows back.
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0x5000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
mremap($p, 0x5000, 0x3000, MREMAP_MAYMOVE) = $p
load $p
store $p 0x1 0x78
load $p+0x1000 0x2000
store $p+0x1000 0x2000 0x78
mremap($p, 0x3000, 0x5000, 0) = $p
load $p
store $p 0x1 0x78
load $p+0x1000 0x4000
store $p+0x1000 0x4000 0x78
dump grown
munmap($p, 0x5000) = 0
