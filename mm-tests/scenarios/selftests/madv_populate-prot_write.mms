# Ported from tools/testing/selftests/mm/madv_populate.c, test_prot_write:
# on PROT_WRITE private anonymous memory MADV_POPULATE_READ is EINVAL,
# MADV_POPULATE_WRITE succeeds and allocates every page.
window 0x100000000 0x101000000
mmap(0x100200000, 2097152, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
madvise(0x100200000, 2097152, MADV_POPULATE_READ) = -1 EINVAL (Invalid argument)
madvise(0x100200000, 2097152, MADV_POPULATE_WRITE) = 0
dump smaps
munmap(0x100200000, 2097152) = 0
