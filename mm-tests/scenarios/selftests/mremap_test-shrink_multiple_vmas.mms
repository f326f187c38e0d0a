# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_shrink_multiple_vmas(inplace=false).
# Shrinking a range of five VMAs and holes to its first page with a move
# succeeds: only the first page stays, moved.
window 0x100000000 0x101000000
mmap(0x100000000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100001000, 4096) = 0
munmap(0x100003000, 4096) = 0
munmap(0x100005000, 4096) = 0
munmap(0x100007000, 4096) = 0
munmap(0x100009000, 4096) = 0
store 0x100000000 1 0x30
store 0x100002000 1 0x32
store 0x100004000 1 0x34
store 0x100006000 1 0x36
store 0x100008000 1 0x38
mremap(0x100000000, 40960, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100100000) = 0x100100000
dump
