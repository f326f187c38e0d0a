# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mremap_unfaulted_to_faulted).
# An unfaulted VMA moved next to (after) a faulted one merges with it.
# In a fork child too: the moved VMA has no anon_vma, the faulted
# neighbour's chain is not singular, so there is no merge.
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
mmap(0x100007000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100007000
mremap(0x100007000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED, 0x1003ef000) = 0x1003ef000
store 0x100001000 1 0x78
fork
process 1
mremap(0x1003ef000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100006000) = 0x100006000
dump moved
