# selftests/mm/guard-regions.c, TEST_F(guard_regions, populate):
# MADV_POPULATE_READ and MADV_POPULATE_WRITE over guard pages fail with
# EFAULT.
# anon variant: private anonymous memory.
window 0x100000000 0x100100000
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $p
madvise($p, 0xa000, MADV_GUARD_INSTALL) = 0
madvise($p, 0xa000, MADV_POPULATE_READ) = -1 EFAULT (Bad address)
madvise($p, 0xa000, MADV_POPULATE_WRITE) = -1 EFAULT (Bad address)
dump after
munmap($p, 0xa000) = 0
