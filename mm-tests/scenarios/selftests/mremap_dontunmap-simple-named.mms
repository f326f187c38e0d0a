# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_simple(),
# with the addresses the kernel chooses named (the page buffer main() maps
# first included).
# MREMAP_DONTUNMAP to a place the kernel picks moves the page tables: the
# destination reads the data, the source stays mapped with no pages
# (reads zeros).
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $page_buffer
mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $src
store $src 20480 0x61
mremap($src, 20480, 20480, MREMAP_DONTUNMAP|MREMAP_MAYMOVE, 0) = $dst
dump moved
load $dst 20480
load $src 20480
dump read
munmap($dst, 20480) = 0
munmap($src, 20480) = 0
dump unmapped
