# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_move_multiple_vmas(dont_unmap=false).
# A range of six VMAs with holes between them is moved whole, next to
# itself, and over a PROT_NONE mapping; the pattern follows each move.
window 0x100000000 0x101000000
mmap(0x100000000, 45056, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100001000, 4096) = 0
munmap(0x100003000, 4096) = 0
munmap(0x100007000, 4096) = 0
munmap(0x100009000, 4096) = 0
store 0x100000000 1 0x20
store 0x100002000 1 0x22
store 0x100004000 1 0x24
store 0x100005000 1 0x25
store 0x100006000 1 0x26
store 0x100008000 1 0x28
store 0x10000a000 1 0x2a
mremap(0x100000000, 45056, 45056, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100100000) = 0x100100000
dump moved
mremap(0x100100000, 45056, 45056, MREMAP_MAYMOVE|MREMAP_FIXED, 0x10010b000) = 0x10010b000
mmap(0x100100000, 45056, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
mremap(0x10010b000, 45056, 45056, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100100000) = 0x100100000
load 0x100100000
load 0x100102000
load 0x100104000
load 0x100106000
load 0x100108000
load 0x10010a000
load 0x100105000
dump back
