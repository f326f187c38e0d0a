# Ported from LTP testcases/kernel/syscalls/mmap/mmap12.c.
# MAP_POPULATE of a file: every page is present (pagemap) right after mmap.
window 0x100000000 0x101000000
file data 65536
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 65536, PROT_READ, MAP_PRIVATE|MAP_POPULATE|MAP_FIXED, 3, 0) = 0x100000000
dump
