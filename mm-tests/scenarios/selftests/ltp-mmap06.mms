# Ported from LTP testcases/kernel/syscalls/mmap/mmap06.c.
# The test's case, a file opened O_WRONLY mapped PROT_READ and MAP_SHARED:
# EACCES; and around it, the same MAP_PRIVATE, a file opened O_RDONLY
# mapped shared and writable (EACCES) or private and writable (maps), and
# a descriptor that is not open (EBADF).
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_WRONLY) = 3
openat(AT_FDCWD, "data", O_RDONLY) = 4
mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_WRITE, MAP_SHARED|MAP_FIXED, 4, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 4, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 4, 0) = 0x100000000
mmap(0x100001000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 9, 0) = -1 EBADF (Bad file descriptor)
dump
