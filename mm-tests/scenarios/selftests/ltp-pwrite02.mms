# Ported from LTP testcases/kernel/syscalls/pwrite/pwrite02.c, with the buffer (a static array in
# the test) an anonymous mapping the kernel places, named.
# (the pipe case, ESPIPE, is not expressible; the offset -1 is written as
# its 64-bit value)
# pwrite64 errors: EINVAL for a negative offset, EBADF for an invalid
# descriptor and for one opened O_RDONLY, EFAULT for a NULL buffer; the
# file stays empty.
window 0x100000000 0x101000000
file pwrite_file 0
openat(AT_FDCWD, "pwrite_file", O_RDWR|O_CREAT) = 3
openat(AT_FDCWD, "pwrite_file", O_RDONLY|O_CREAT) = 4
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
pwrite64(3, $buf, 1024, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
pwrite64(-1, $buf, 1024, 0) = -1 EBADF (Bad file descriptor)
pwrite64(4, $buf, 1024, 0) = -1 EBADF (Bad file descriptor)
pwrite64(3, NULL, 1024, 0) = -1 EFAULT (Bad address)
read(4, $buf, 1024) = 0
mmap(NULL, 4096, PROT_READ, MAP_SHARED, 4, 0) = $m
load $m
dump
