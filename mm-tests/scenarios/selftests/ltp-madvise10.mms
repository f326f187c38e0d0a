# Ported from LTP testcases/kernel/syscalls/madvise/madvise10.c.
# MADV_WIPEONFORK: the child reads zeros; after MADV_KEEPONFORK the next
# child reads the data.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0x61
madvise(0x100000000, 16384, MADV_WIPEONFORK) = 0
fork
process 1
load 0x100000000 16384
dump child
exit
madvise(0x100000000, 16384, MADV_KEEPONFORK) = 0
fork
process 2
load 0x100000000 16384
dump second child
