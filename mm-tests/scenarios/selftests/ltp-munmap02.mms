# Ported from LTP testcases/kernel/syscalls/munmap/munmap02.c.
# munmap of part of a mapping: that part faults, the rest stays.
window 0x100000000 0x101000000
file data 12288
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
munmap(0x100001000, 4096) = 0
load 0x100000000
load 0x100001000
load 0x100002000
dump
