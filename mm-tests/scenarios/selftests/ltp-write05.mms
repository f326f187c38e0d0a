# Ported from LTP testcases/kernel/syscalls/write/write05.c, with the addresses the kernel chooses
# named.
# (the pipe case, EPIPE, is not expressible)
# write errors: EBADF for an invalid descriptor, EFAULT for a buffer in a
# PROT_NONE mapping; the file stays empty (the page write_begin took stays
# in its cache, past its end).
window 0x100000000 0x101000000
file write_test 0
openat(AT_FDCWD, "write_test", O_RDWR|O_CREAT) = 3
mmap(NULL, 1, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $bad_addr
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
write(-1, $buf, 8) = -1 EBADF (Bad file descriptor)
write(3, $bad_addr, 8) = -1 EFAULT (Bad address)
read(3, $buf, 8) = 0
mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3, 0) = $m
mincore($m, 4096, v)
load $m
munmap($bad_addr, 1) = 0
dump
