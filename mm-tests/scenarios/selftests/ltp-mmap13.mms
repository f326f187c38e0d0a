# Ported from LTP testcases/kernel/syscalls/mmap/mmap13.c.
# A mapping larger than its file: an access to a page wholly past the
# end of the file is SIGBUS; the last page of the file reads.
window 0x100000000 0x101000000
file data 4106
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100001005
load 0x100002000
dump
