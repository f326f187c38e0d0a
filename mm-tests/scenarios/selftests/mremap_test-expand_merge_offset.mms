# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_expand_merge_offset().
# With the last page unmapped, expanding the middle page over it restores
# the mapping as it was.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100002000, 4096) = 0
mremap(0x100001000, 4096, 8192, 0) = 0x100001000
dump
