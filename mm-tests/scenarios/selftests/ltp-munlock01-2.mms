# Ported from LTP testcases/kernel/syscalls/munlock/munlock01.c, case 2:
# mlock, then munlock of a malloc'd buffer of 1024 bytes; malloc takes it from the heap
# (16 bytes into a grown break), so only the heap page that holds it is
# locked (splitting the heap VMA).
window 0x100000000 0x200100000
brk(NULL) = 0x200000000
brk(0x200021000) = 0x200021000
store 0x200000000
mlock(0x200000010, 1024) = 0
dump smaps locked
munlock(0x200000010, 1024) = 0
dump smaps unlocked
