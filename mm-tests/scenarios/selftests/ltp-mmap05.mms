# Ported from LTP testcases/kernel/syscalls/mmap/mmap05.c.
# PROT_NONE file mapping: any access is SIGSEGV.
window 0x100000000 0x101000000
file data 12288
openat(AT_FDCWD, "data", O_RDONLY) = 3
mmap(0x100000000, 12288, PROT_NONE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 12288
load 0x100001011
dump
