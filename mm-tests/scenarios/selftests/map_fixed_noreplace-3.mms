# Ported from tools/testing/selftests/mm/map_fixed_noreplace.c, main().
# MAP_FIXED_NOREPLACE over the mapping's end: EEXIST, nothing changes.
window 0x100000000 0x101000000
mmap(0x100011000, 12288, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x100011000
store 0x100011000 1 0x78
mmap(0x100013000, 8192, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
dump
