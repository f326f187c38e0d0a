# Ported from LTP testcases/kernel/syscalls/munmap/munmap03.c.
# munmap errors: EINVAL for length 0, an unaligned address, an address
# range past TASK_SIZE.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100000000, 0) = -1 EINVAL (Invalid argument)
munmap(0x100000100, 4096) = -1 EINVAL (Invalid argument)
munmap(0x7ffffffff000, 8192) = -1 EINVAL (Invalid argument)
dump
