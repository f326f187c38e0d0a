# Ported from LTP testcases/kernel/syscalls/ftruncate/ftruncate03.c.
# (the socket case is not expressible)
# ftruncate errors: EINVAL for a descriptor opened O_RDONLY and for a
# negative length (written as the 64-bit value), EBADF for an invalid descriptor; the file keeps its size.
window 0x100000000 0x101000000
file test_file1 0
file test_file2 4096
openat(AT_FDCWD, "test_file1", O_RDONLY) = 3
openat(AT_FDCWD, "test_file2", O_RDWR) = 4
ftruncate(3, 4) = -1 EINVAL (Invalid argument)
ftruncate(4, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
ftruncate(-1, 4) = -1 EBADF (Bad file descriptor)
mmap(NULL, 8192, PROT_READ, MAP_SHARED, 4, 0) = $a
load $a 8192
dump
