# Ported from tools/testing/selftests/mm/madv_populate.c, sense_support().
# One private anonymous page (the test passes fd 0, which MAP_ANONYMOUS
# ignores): MADV_POPULATE_READ maps the zero page, MADV_POPULATE_WRITE
# then replaces it with a page of its own; both succeed.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
madvise($a, 4096, MADV_POPULATE_READ) = 0
dump read
madvise($a, 4096, MADV_POPULATE_WRITE) = 0
dump write
munmap($a, 4096) = 0
dump
