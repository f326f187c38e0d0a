# Ported from LTP testcases/kernel/syscalls/mremap/mremap01.c.
# (grows in place here) A shared file mapping grown with mremap keeps its
# data and reads the file in the new part.
window 0x100000000 0x101000000
file data 32768
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x99
mremap(0x100000000, 8192, 32768, MREMAP_MAYMOVE) = 0x100000000
load 0x100000000 32768
dump
