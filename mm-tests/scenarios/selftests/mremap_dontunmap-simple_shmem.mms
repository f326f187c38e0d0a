# Ported from tools/testing/selftests/mm/mremap_dontunmap.c, mremap_dontunmap_simple_shmem().
# (memfd replaced by a tmpfs file) MREMAP_DONTUNMAP of a shared mapping:
# both the destination and the source see the data.
window 0x100000000 0x101000000
file memfd 20480
openat(AT_FDCWD, "memfd", O_RDWR) = 3
mmap(0x100100000, 20480, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100100000
close(3) = 0
store 0x100100000 20480 0x61
mremap(0x100100000, 20480, 20480, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100200000) = 0x100200000
dump moved
load 0x100200000 20480
load 0x100100000 20480
dump read
