# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mremap_unfaulted_behind_faulted).
# An unfaulted VMA moved in front of a faulted one merges with it.
# Not in a fork child (the faulted VMA's chain is not singular).
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100006000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
mmap(0x10000e000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000e000
mremap(0x10000e000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED, 0x1003f6000) = 0x1003f6000
store 0x100006000 1 0x78
fork
process 1
mremap(0x1003f6000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100001000) = 0x100001000
dump moved
