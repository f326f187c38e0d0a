# Ported from tools/testing/selftests/mm/madv_populate.c,
# test_populate_read: 2 MiB not populated at first, every page present
# after MADV_POPULATE_READ.
window 0x100000000 0x101000000
mmap(0x100200000, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
dump before
madvise(0x100200000, 2097152, MADV_POPULATE_READ) = 0
dump after
munmap(0x100200000, 2097152) = 0
