# An access to a non-canonical address is a general-protection fault: SIGSEGV, no page fault counted, and no aliasing of the canonical page with the same table indexes.
window 0x100000000 0x140000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x11
load 0x1000100000000
store 0x1000100000000 1 0x22
load 0x100000000
load 0xffff800000000000
load 0x800000000000
dump
