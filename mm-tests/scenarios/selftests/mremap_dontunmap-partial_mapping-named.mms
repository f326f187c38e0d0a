# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_partial_mapping(),
# with the addresses the kernel chooses named.
# MREMAP_DONTUNMAP of the last 5 of 10 pages to a place the kernel picks:
# the first 5 source pages keep their data, the last 5 read zeros, the
# destination reads the data.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $page_buffer
mmap(NULL, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $src
store $src 40960 0x61
mremap($src+0x5000, 20480, 20480, MREMAP_DONTUNMAP|MREMAP_MAYMOVE, 0) = $dst
dump moved
load $src 40960
load $dst 20480
dump read
munmap($dst, 20480) = 0
munmap($src, 40960) = 0
dump unmapped
