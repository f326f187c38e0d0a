# MADV_POPULATE_WRITE of shared anonymous memory puts the pages in the
# shmem file (the other process sees them in mincore and maps them with
# fault-around on a read); of a private file mapping after fork, it
# breaks copy-on-write of the pages the parent wrote.
window 0xf0000000 0x140000000
file f 65536
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100010000
store 0x100010000 16384 3
fork
process 1
madvise(0x100000000, 32768, MADV_POPULATE_WRITE) = 0
madvise(0x100010000, 65536, MADV_POPULATE_WRITE) = 0
dump child
process 0
mincore(0x100000000, 65536, VEC) = 0
load 0x100000000 65536
load 0x100010000 65536
dump parent
