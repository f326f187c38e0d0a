# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mprotect_unfaulted_left).
# An unfaulted read-only VMA and a faulted one made read-only merge
# (the faulted one's anon_vma covers both).
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1, 0) = 0x100001000
mprotect(0x100001000, 20480, PROT_READ) = 0
store 0x100006000 1 0x78
dump split
mprotect(0x100006000, 20480, PROT_READ) = 0
dump merged
