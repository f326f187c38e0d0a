# Ported from tools/testing/selftests/mm/madv_populate.c, test_prot_read:
# on 2 MiB of PROT_READ private anonymous memory MADV_POPULATE_READ
# succeeds (the zero page everywhere), MADV_POPULATE_WRITE is EINVAL.
window 0x100000000 0x101000000
mmap(0x100200000, 2097152, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
madvise(0x100200000, 2097152, MADV_POPULATE_READ) = 0
madvise(0x100200000, 2097152, MADV_POPULATE_WRITE) = -1 EINVAL (Invalid argument)
dump smaps
munmap(0x100200000, 2097152) = 0
