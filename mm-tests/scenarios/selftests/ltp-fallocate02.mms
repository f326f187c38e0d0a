# Ported from LTP testcases/kernel/syscalls/fallocate/fallocate02.c.
# (files on tmpfs; the buffer written has 'A' in its first byte only)
# fallocate errors with FALLOC_FL_KEEP_SIZE on a file of 12 blocks of
# 1 KiB: EBADF for a descriptor opened O_RDONLY, EINVAL for a negative
# offset, a negative or zero length (negative values written as 64-bit
# values), EFBIG for offset + length past the
# largest file size; the file is unchanged (a mapping of it shows its size).
window 0x100000000 0x101000000
file test_file1 0
file test_file2 0
openat(AT_FDCWD, "test_file1", O_RDONLY) = 3
openat(AT_FDCWD, "test_file2", O_RDWR) = 4
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
store $buf 1 0x41
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
write(4, $buf, 1024) = 1024
fallocate(3, FALLOC_FL_KEEP_SIZE, 0, 1024) = -1 EBADF (Bad file descriptor)
fallocate(4, FALLOC_FL_KEEP_SIZE, 0xfffffffffffffc00, 1024) = -1 EINVAL (Invalid argument)
fallocate(4, FALLOC_FL_KEEP_SIZE, 1024, 0xfffffffffffffc00) = -1 EINVAL (Invalid argument)
fallocate(4, FALLOC_FL_KEEP_SIZE, 12288, 0) = -1 EINVAL (Invalid argument)
fallocate(4, FALLOC_FL_KEEP_SIZE, 12288, 0xfffffffffffffc00) = -1 EINVAL (Invalid argument)
fallocate(4, FALLOC_FL_KEEP_SIZE, 0xffffffffffffa000, 1024) = -1 EINVAL (Invalid argument)
fallocate(4, FALLOC_FL_KEEP_SIZE, 9223372036854774784, 1024) = -1 EFBIG (File too large)
fallocate(4, FALLOC_FL_KEEP_SIZE, 1024, 9223372036854774784) = -1 EFBIG (File too large)
mmap(NULL, 16384, PROT_READ, MAP_SHARED, 4, 0) = $m
load $m 16384
load $m+0x400
load $m+0x2c00
load $m+0x2fff
dump
