# Ported from LTP testcases/kernel/syscalls/mprotect/mprotect05.c.
# mprotect of the middle page of three splits the mapping into three VMAs.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mprotect(0x100001000, 4096, PROT_READ) = 0
dump
