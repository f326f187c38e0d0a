# Ported from tools/testing/selftests/mm/madv_populate.c, test_prot_write().
# 2 MiB of PROT_WRITE private anonymous memory: MADV_POPULATE_READ is
# EINVAL (nothing populated), MADV_POPULATE_WRITE succeeds.
window 0x100000000 0x101000000
mmap(NULL, 2097152, PROT_WRITE, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
madvise($a, 2097152, MADV_POPULATE_READ) = -1 EINVAL (Invalid argument)
dump read
madvise($a, 2097152, MADV_POPULATE_WRITE) = 0
dump write
munmap($a, 2097152) = 0
