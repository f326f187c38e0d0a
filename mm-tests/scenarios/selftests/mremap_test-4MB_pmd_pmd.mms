# Ported from tools/testing/selftests/mm/mremap_test.c, main(): "4MB mremap - Source PMD-aligned, Destination PMD-aligned".
# The move succeeds and the destination reads the pattern; the source is gone.
window 0x100000000 0x400000000
mmap(0x100200000, 4194304, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100200000
store 0x100200000 4194304 0x5a
store 0x100200000 1 0x10
store 0x100400000 1 0x80
store 0x1005ff000 1 0x27
mremap(0x100200000, 4194304, 4194304, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100a00000) = 0x100a00000
load 0x100a00000 4194304
load 0x100200000 1
dump
