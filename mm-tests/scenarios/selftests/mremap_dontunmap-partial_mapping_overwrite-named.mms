# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_partial_mapping_overwrite(),
# with the addresses the kernel chooses named.
# MREMAP_DONTUNMAP|MREMAP_FIXED of 5 pages onto the first half of a 10-page
# mapping: the source reads zeros, the destination reads the moved data in
# its first 5 pages and keeps its own in the last 5.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $page_buffer
mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $src
store $src 20480 0x61
mmap(NULL, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $dst
store $dst 40960 0x58
mremap($src, 20480, 20480, MREMAP_DONTUNMAP|MREMAP_MAYMOVE|MREMAP_FIXED, $dst) = $dst
dump moved
load $src 20480
load $dst 40960
dump read
munmap($dst, 40960) = 0
munmap($src, 20480) = 0
dump unmapped
