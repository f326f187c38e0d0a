# Ported from LTP testcases/kernel/syscalls/read/read02.c, with the addresses the kernel chooses
# named.
# (the directory (EISDIR) and O_DIRECT cases are not expressible; tmpfs,
# where the file is, makes the test skip the O_DIRECT ones anyway)
# read errors: EBADF for an invalid descriptor, EFAULT for a buffer in a
# PROT_NONE mapping; a valid buffer reads the file's one byte.
window 0x100000000 0x101000000
file test_file 1
openat(AT_FDCWD, "test_file", O_RDWR) = 3
mmap(NULL, 1, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $outside_buf
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
read(-1, $buf, 1) = -1 EBADF (Bad file descriptor)
read(3, $outside_buf, 1) = -1 EFAULT (Bad address)
store $buf 1 0x2a
read(3, $buf, 1) = 1
load $buf
dump
