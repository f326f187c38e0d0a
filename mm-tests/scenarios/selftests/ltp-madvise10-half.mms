# Ported from LTP testcases/kernel/syscalls/madvise/madvise10.c (part of a mapping).
# MADV_WIPEONFORK of half a mapping splits it; only that half is wiped.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0x61
madvise(0x100002000, 8192, MADV_WIPEONFORK) = 0
fork
process 1
load 0x100000000 16384
dump child
