# fork, then the parent writes the THP first, then the child.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000 1 0x11
fork
store 0x100000000 1 0x33
dump smaps parent
process 1
load 0x100000000
store 0x100100000
dump smaps child
