# Ported from LTP testcases/kernel/syscalls/mprotect/mprotect02.c.
# A page made PROT_READ: a write is SIGSEGV; made writable again, the
# write succeeds.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x11
mprotect(0x100000000, 4096, PROT_READ) = 0
store 0x100000000 1 0x22
load 0x100000000
mprotect(0x100000000, 4096, PROT_READ|PROT_WRITE) = 0
store 0x100000000 1 0x33
load 0x100000000
dump
