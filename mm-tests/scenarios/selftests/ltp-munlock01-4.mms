# Ported from LTP testcases/kernel/syscalls/munlock/munlock01.c, case 4:
# mlock, then munlock of a malloc'd buffer of 10485760 bytes; malloc maps a chunk of its
# own for it, the buffer 16 bytes into it, so the range reaches into one
# page more than 10485760 bytes need.
window 0x100000000 0x101000000
mmap(0x100000000, 10489856, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100000010, 10485760) = 0
dump smaps locked
munlock(0x100000010, 10485760) = 0
dump smaps unlocked
munmap(0x100000000, 10489856) = 0
