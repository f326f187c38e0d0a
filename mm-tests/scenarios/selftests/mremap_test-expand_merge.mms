# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_expand_merge().
# Expanding the first page of a 3-page mapping whose middle page was
# unmapped fills the hole and merges the two parts into one mapping.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100001000, 4096) = 0
mremap(0x100000000, 4096, 8192, 0) = 0x100000000
dump
