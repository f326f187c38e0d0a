# Ported from tools/testing/selftests/mm/mremap_test.c, main(): "2MB mremap - Source 1MB-aligned, Destination PTE-aligned".
# The move succeeds and the destination reads the pattern; the source is gone.
window 0x100000000 0x400000000
mmap(0x100100000, 2097152, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100100000
store 0x100100000 2097152 0x5a
store 0x100100000 1 0x10
store 0x100200000 1 0x48
store 0x1002ff000 1 0x7f
mremap(0x100100000, 2097152, 2097152, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100301000) = 0x100301000
load 0x100301000 2097152
load 0x100100000 1
dump
