# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_simple_shmem(),
# with the addresses the kernel chooses named (the memfd is a tmpfs file
# sized with ftruncate).
# MREMAP_DONTUNMAP of a shared mapping: both the destination and the
# source see the data.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $page_buffer
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR|O_CLOEXEC) = 3
ftruncate(3, 20480) = 0
mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $src
close(3) = 0
store $src 20480 0x61
mremap($src, 20480, 20480, MREMAP_DONTUNMAP|MREMAP_MAYMOVE, 0) = $dst
dump moved
load $dst 20480
load $src 20480
dump read
munmap($dst, 20480) = 0
munmap($src, 20480) = 0
dump unmapped
