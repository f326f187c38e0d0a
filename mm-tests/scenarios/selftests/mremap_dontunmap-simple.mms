# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_simple().
# MREMAP_DONTUNMAP moves the page tables: the destination reads the data,
# the source stays mapped with no pages (reads zeros).
window 0x100000000 0x101000000
mmap(0x100100000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100100000 20480 0x61
mremap(0x100100000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100200000) = 0x100200000
dump moved
load 0x100200000 20480
load 0x100100000 20480
dump read
munmap(0x100200000, 20480) = 0
munmap(0x100100000, 20480) = 0
