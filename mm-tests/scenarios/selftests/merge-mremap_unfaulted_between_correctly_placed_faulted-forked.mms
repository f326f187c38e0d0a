# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, mremap_unfaulted_between_correctly_placed_faulted).
# Two faulted VMAs that share an anon_vma and line up, with an unfaulted
# VMA moved into the hole between them: all three merge.
# Not in a fork child.
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 61440, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
store 0x100001000 1 0x78
munmap(0x100006000, 20480) = 0
mmap(0x100014000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100014000
fork
process 1
mremap(0x100014000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100006000) = 0x100006000
dump moved
