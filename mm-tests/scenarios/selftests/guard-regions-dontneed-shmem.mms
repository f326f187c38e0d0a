# selftests/mm/guard-regions.c, TEST_F(guard_regions, dontneed):
# MADV_DONTNEED keeps guard markers: every other page stays guarded; the
# others read zeros (anon) or what was written to the file ('y').
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
store $p 0xa000 0x79
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x2000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x6000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x8000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p, 0xa000, MADV_DONTNEED) = 0
load $p
store $p 0x1 0x78
load $p+0x1000
store $p+0x1000 0x1 0x78
load $p+0x2000
store $p+0x2000 0x1 0x78
load $p+0x3000
store $p+0x3000 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
load $p+0x5000
store $p+0x5000 0x1 0x78
load $p+0x6000
store $p+0x6000 0x1 0x78
load $p+0x7000
store $p+0x7000 0x1 0x78
load $p+0x8000
store $p+0x8000 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
dump after
munmap($p, 0xa000) = 0
