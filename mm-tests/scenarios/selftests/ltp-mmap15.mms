# Ported from LTP testcases/kernel/syscalls/mmap/mmap15.c.
# mmap at a fixed address above TASK_SIZE fails (ENOMEM).
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x800000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)
mmap(0x7ffffffff000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)
dump
