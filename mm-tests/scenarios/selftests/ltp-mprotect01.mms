# Ported from LTP testcases/kernel/syscalls/mprotect/mprotect01.c.
# mprotect errors: ENOMEM for unmapped memory, EINVAL for an unaligned
# address, EACCES for PROT_WRITE on a shared mapping of a read-only file.
window 0x100000000 0x101000000
mprotect(0x100000000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mprotect(0x100000001, 4096, PROT_READ) = -1 EINVAL (Invalid argument)
file data 4096
openat(AT_FDCWD, "data", O_RDONLY) = 3
mmap(0x100010000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100010000
mprotect(0x100010000, 4096, PROT_READ|PROT_WRITE) = -1 EACCES (Permission denied)
dump
