# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_partial_mapping_overwrite().
# MREMAP_DONTUNMAP of 5 pages onto the first half of a 10-page mapping:
# its second half keeps its data.
window 0x100000000 0x101000000
mmap(0x100100000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100100000 20480 0x61
mmap(0x100200000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
store 0x100200000 40960 0x58
mremap(0x100100000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100200000) = 0x100200000
load 0x100100000 20480
load 0x100200000 40960
dump after
