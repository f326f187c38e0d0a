# Ported from LTP testcases/kernel/syscalls/mmap/mmap04.c.
# The permissions /proc/self/maps shows for PROT_READ, MAP_SHARED of a file.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
dump
