# Ported from LTP testcases/kernel/syscalls/mprotect/mprotect03.c.
# A shared file mapping made PROT_NONE: a write is SIGSEGV.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mprotect(0x100000000, 4096, PROT_NONE) = 0
store 0x100000000 1 0x78
load 0x100000000
dump
