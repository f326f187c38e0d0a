# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mprotect_unfaulted_both).
# A faulted VMA made read-only merges with unfaulted read-only VMAs on both sides.
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100002000, 36864, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1, 0) = 0x100002000
mprotect(0x100002000, 12288, PROT_READ) = 0
mprotect(0x100008000, 12288, PROT_READ) = 0
store 0x100005000 1 0x78
dump split
mprotect(0x100005000, 12288, PROT_READ) = 0
dump merged
