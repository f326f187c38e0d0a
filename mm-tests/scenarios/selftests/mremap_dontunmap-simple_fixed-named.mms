# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_simple_fixed(),
# with the addresses the kernel chooses named.
# MREMAP_DONTUNMAP|MREMAP_FIXED onto an existing mapping replaces it: the
# destination reads the source's data, the source has no pages.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $page_buffer
mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $dst
store $dst 20480 0x58
mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $src
store $src 20480 0x61
mremap($src, 20480, 20480, MREMAP_FIXED|MREMAP_DONTUNMAP|MREMAP_MAYMOVE, $dst) = $dst
dump moved
load $dst 20480
load $src 20480
dump read
munmap($dst, 20480) = 0
munmap($src, 20480) = 0
dump unmapped
