# Ported from LTP testcases/kernel/syscalls/munlock/munlock02.c: 8 pages
# written and locked, 4 of them (from the third) unmapped; munlock of 8
# pages from the first unmapped one is ENOMEM (it starts in the hole).
window 0x100000000 0x101000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 32768 0x20
mlock(0x100000000, 32768) = 0
munmap(0x100002000, 16384) = 0
munlock(0x100002000, 32768) = -1 ENOMEM (Cannot allocate memory)
dump smaps
