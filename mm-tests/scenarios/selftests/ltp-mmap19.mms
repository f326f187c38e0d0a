# Ported from LTP testcases/kernel/syscalls/mmap/mmap19.c.
# One file mapped MAP_SHARED at two addresses: a write through one is
# read through the other.
window 0x100000000 0x101000000
file data 8192
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100010000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100010000
store 0x100000000 1 0x77
store 0x100011000 1 0x66
load 0x100000000 8192
load 0x100010000 8192
dump
