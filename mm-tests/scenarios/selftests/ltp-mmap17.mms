# Ported from LTP testcases/kernel/syscalls/mmap/mmap17.c.
# MAP_FIXED_NOREPLACE over an existing mapping: EEXIST, it stays.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE, 3, 0) = 0x100000000
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED_NOREPLACE, 3, 0) = -1 EEXIST (File exists)
load 0x100000000
dump
