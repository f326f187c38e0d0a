# Ported from tools/testing/selftests/mm/mremap_test.c, main(): "mremap - Source Address Misaligned (1KB-aligned)".
# The move fails (EINVAL).
window 0x100000000 0x400000000
mmap(0x100001000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100001000
mremap(0x100001400, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100200000) = -1 EINVAL (Invalid argument)
dump
