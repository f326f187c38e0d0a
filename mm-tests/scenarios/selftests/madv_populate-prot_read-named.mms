# Ported from tools/testing/selftests/mm/madv_populate.c, test_prot_read().
# 2 MiB of PROT_READ private anonymous memory: MADV_POPULATE_READ
# succeeds (every page present), MADV_POPULATE_WRITE is EINVAL.
window 0x100000000 0x101000000
mmap(NULL, 2097152, PROT_READ, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
madvise($a, 2097152, MADV_POPULATE_READ) = 0
madvise($a, 2097152, MADV_POPULATE_WRITE) = -1 EINVAL (Invalid argument)
dump
munmap($a, 2097152) = 0
