# selftests/mm/guard-regions.c, TEST_F(guard_regions, populate):
# MADV_POPULATE_READ and MADV_POPULATE_WRITE over guard pages fail with
# EFAULT.
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
madvise($p, 0xa000, MADV_GUARD_INSTALL) = 0
madvise($p, 0xa000, MADV_POPULATE_READ) = -1 EFAULT (Bad address)
madvise($p, 0xa000, MADV_POPULATE_WRITE) = -1 EFAULT (Bad address)
dump after
munmap($p, 0xa000) = 0
