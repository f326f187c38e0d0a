# Ported from LTP testcases/kernel/syscalls/mremap/mremap06.c.
# A file mapping split into VMAs by mprotect: each part grows in place
# with mremap as far as the next part allows.
window 0x100000000 0x101000000
file data 32768
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mprotect(0x100001000, 4096, PROT_READ) = 0
mremap(0x100002000, 4096, 8192, 0) = 0x100002000
mremap(0x100001000, 4096, 8192, 0) = -1 ENOMEM (Cannot allocate memory)
mremap(0x100001000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100010000) = 0x100010000
load 0x100000000 16384
load 0x100010000 8192
dump
