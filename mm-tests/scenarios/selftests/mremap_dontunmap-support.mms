# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, kernel_support_for_mremap_dontunmap().
# MREMAP_DONTUNMAP of a PROT_NONE page (here to a fixed place) succeeds;
# both mappings stay.
window 0x100000000 0x101000000
mmap(0x100100000, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
mremap(0x100100000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100200000) = 0x100200000
dump both
munmap(0x100200000, 4096) = 0
munmap(0x100100000, 4096) = 0
dump gone
