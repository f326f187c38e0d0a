# Ported from LTP testcases/kernel/syscalls/mmap/mmap18.c (mmap below a growsdown mapping).
# A mapping placed in the guard gap below a MAP_GROWSDOWN one is made;
# the stack then cannot grow.
window 0x100000000 0x101000000
mmap(0x100800000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100800000
mmap(0x1007fc000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1007fc000
store 0x1007ff000 1 0x78
dump
