# Ported from tools/testing/selftests/mm/madv_populate.c, test_populate_write().
# 2 MiB of private anonymous memory: nothing is populated at first;
# after MADV_POPULATE_WRITE every page is.
window 0x100000000 0x101000000
mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
dump initially
madvise($a, 2097152, MADV_POPULATE_WRITE) = 0
dump populated
munmap($a, 2097152) = 0
