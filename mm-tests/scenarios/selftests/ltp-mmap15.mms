# Ported from LTP testcases/kernel/syscalls/mmap/mmap15.c.
# A file page mapped MAP_FIXED at 1 << 53, above TASK_SIZE: ENOMEM; and
# at TASK_SIZE and across it.
window 0x100000000 0x101000000
file data 4096
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x20000000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)
mmap(0x800000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)
mmap(0x7ffffffff000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)
dump
