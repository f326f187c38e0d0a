# Ported from tools/testing/selftests/mm/mremap_test.c, main(): "8KB mremap - Source PTE-aligned, Destination PTE-aligned".
# The move succeeds and the destination reads the pattern; the source is gone.
window 0x100000000 0x400000000
mmap(0x100001000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100001000
store 0x100001000 8192 0x5a
store 0x100001000 1 0x10
store 0x100002000 1 0x11
store 0x100002000 1 0x11
mremap(0x100001000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100005000) = 0x100005000
load 0x100005000 8192
load 0x100001000 1
dump
