# Ported from tools/testing/selftests/mm/mremap_test.c, main(): "mremap - Destination Address Misaligned (1KB-aligned)".
# The move fails (EINVAL).
window 0x100000000 0x400000000
mmap(0x100001000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100001000
store 0x100001000 4096 0x5a
store 0x100001000 1 0x10
store 0x100001000 1 0x10
store 0x100001000 1 0x10
mremap(0x100001000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100002400) = -1 EINVAL (Invalid argument)
dump
