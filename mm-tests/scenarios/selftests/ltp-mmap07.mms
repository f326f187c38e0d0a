# Ported from LTP testcases/kernel/syscalls/mmap/mmap07.c.
# MAP_PRIVATE with PROT_WRITE of a file opened O_WRONLY: EACCES.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_WRONLY) = 3
mmap(0x100000000, 4096, PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = -1 EACCES (Permission denied)
dump
