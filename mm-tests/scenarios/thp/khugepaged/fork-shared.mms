# After fork, pages both processes map are shared: a block with at most
# max_ptes_shared (256) of them is collapsed, one with more is not.  The
# child is on khugepaged's list after its parent; the child wrote 300
# pages of the first block (212 stay shared) and 100 of the second (412).
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x400000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
fork
process 1
store 0x100000000 0x12c000 0x11
store 0x100200000 0x64000 0x22
khugepaged
dump smaps child
process 0
dump smaps parent
