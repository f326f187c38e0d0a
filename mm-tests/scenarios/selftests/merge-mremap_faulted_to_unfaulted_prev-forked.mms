# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mremap_faulted_to_unfaulted_prev).
# A faulted VMA moved with MREMAP_DONTUNMAP next to unfaulted ones merges
# with them (its anon_vma is propagated).
# After a fork, in the child: a fork child's faulted VMA is not merged.
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100004000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100004000
store 0x100004000 1 0x78
mremap(0x100004000, 12288, 12288, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100014000) = 0x100014000
mmap(0x100001000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
fork
process 1
mremap(0x100014000, 12288, 12288, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100004000) = 0x100004000
dump moved
load 0x100001000 36864
munmap(0x100014000, 12288) = 0
dump source unmapped
