# Ported from LTP testcases/kernel/syscalls/mmap/mmap08.c.
# mmap of a closed descriptor: EBADF.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
close(3) = 0
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 EBADF (Bad file descriptor)
dump
