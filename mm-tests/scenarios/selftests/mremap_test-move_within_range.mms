# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_move_within_range().
# Moving the second MiB of a 2 MiB block one block down inside a 20 MiB
# mapping leaves the first MiB of the block as it was.
window 0x100000000 0x101000000
mmap(0x100000000, 20971520, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 20971520 0x00
store 0x100600000 2097152 0x5a
store 0x100600000 1 0x10
store 0x100664000 1 0x74
store 0x1006ff000 1 0x47
store 0x100700000 1 0x48
store 0x10072c000 1 0x74
store 0x1007ff000 1 0x7f
mremap(0x100700000, 1048576, 1048576, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100500000) = 0x100500000
load 0x100600000 1048576
load 0x100500000 1048576
load 0x100700000
dump
