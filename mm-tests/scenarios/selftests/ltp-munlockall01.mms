# Ported from LTP testcases/kernel/syscalls/munlockall/munlockall01.c:
# after mlockall(MCL_CURRENT|MCL_FUTURE) memory is locked, after
# munlockall none is (the test reads VmLck; here Locked of a mapping
# made before and of one made after mlockall).
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
dump smaps before
mlockall(MCL_CURRENT|MCL_FUTURE) = 0
mmap(0x100010000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
dump smaps locked
munlockall() = 0
dump smaps unlocked
