# Ported from LTP testcases/kernel/syscalls/mmap/mmap01.c.
# A shared file mapping of a file that ends inside its last page: the
# bytes past the end read zero, a write there is allowed, the data before
# the end reads the file.
window 0x100000000 0x101000000
file data 4196
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x1000010c8
store 0x1000010c8 1 0x41
load 0x1000010c8
load 0x100000000 8192
dump
