# Ported from LTP testcases/kernel/syscalls/munmap/munmap01.c.
# After munmap, an access to the range is SIGSEGV.
window 0x100000000 0x101000000
file data 12288
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 12288
munmap(0x100000000, 12288) = 0
load 0x100000000
dump
