# fork, the child exits, the parent writes: the THP is its own again.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
fork
process 1
exit
store 0x100000000
dump smaps
