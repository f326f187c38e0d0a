# Ported from LTP testcases/kernel/syscalls/mmap/mmap04.c.
# The permissions /proc/self/maps shows for PROT_WRITE|PROT_EXEC, MAP_SHARED anonymous.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_WRITE|PROT_EXEC, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000
dump
