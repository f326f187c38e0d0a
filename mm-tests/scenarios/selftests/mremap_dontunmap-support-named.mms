# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, kernel_support_for_mremap_dontunmap(),
# with the addresses the kernel chooses named.
# A one-page PROT_NONE mapping moved with MREMAP_DONTUNMAP|MREMAP_MAYMOVE
# to an address the kernel picks: both stay mapped until unmapped.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $src
mremap($src, 4096, 4096, MREMAP_DONTUNMAP|MREMAP_MAYMOVE, 0) = $dst
dump
munmap($dst, 4096) = 0
munmap($src, 4096) = 0
dump unmapped
