# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_partial_mapping().
# MREMAP_DONTUNMAP of the last 5 of 10 pages: the source keeps its first
# half's data, its second half reads zeros, the destination has the data.
window 0x100000000 0x101000000
mmap(0x100100000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100100000 40960 0x61
mremap(0x100105000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100200000) = 0x100200000
dump moved
load 0x100100000 40960
load 0x100200000 20480
dump read
