# Ported from LTP testcases/kernel/syscalls/madvise/madvise02.c.
# The test's cases that need no mlock nor raw advice values: EINVAL for an
# unaligned start; ENOMEM for a range that runs from one half of a file
# into the unmapped other half; MADV_WILLNEED on anonymous memory, which
# the test expects to fail with EBADF, succeeds on a kernel with swap
# support (CONFIG_SWAP), as here.
window 0x100000000 0x101000000
file data 65536
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 65536, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000064, 65536, MADV_NORMAL) = -1 EINVAL (Invalid argument)
munmap(0x100000000, 65536) = 0
mmap(0x100000000, 32768, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100010000, 32768, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 32768) = 0x100010000
munmap(0x100010000, 32768) = 0
madvise(0x100000000, 69632, MADV_NORMAL) = -1 ENOMEM (Cannot allocate memory)
munmap(0x100000000, 32768) = 0
mmap(0x100020000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
madvise(0x100020000, 20480, MADV_WILLNEED) = 0
dump
