# Ported from tools/testing/selftests/mm/mremap_test.c, mremap_move_multiple_vmas_split(dont_unmap=true).
# Moving part of two VMAs (a hole between them) splits both; the pattern
# of each page follows.
window 0x100000000 0x101000000
mmap(0x100000000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100005000, 4096) = 0
store 0x100000000 1 0x40
store 0x100001000 1 0x41
store 0x100002000 1 0x42
store 0x100003000 1 0x43
store 0x100004000 1 0x44
store 0x100006000 1 0x46
store 0x100007000 1 0x47
store 0x100008000 1 0x48
store 0x100009000 1 0x49
mremap(0x100002000, 28672, 28672, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100100000) = 0x100100000
load 0x100100000
load 0x100101000
load 0x100102000
load 0x100104000
load 0x100105000
load 0x100106000
load 0x100000000 8192
dump
