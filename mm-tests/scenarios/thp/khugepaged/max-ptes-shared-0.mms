# khugepaged_max_ptes_shared=0: a block is collapsed only if no page of
# it is mapped by the other process too.  After fork the child writes
# every page of the first block (none shared: both processes collapse
# it) and all but one of the second (one shared: neither does).
machine khugepaged_max_ptes_shared=0
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x400000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
fork
process 1
store 0x100000000 0x200000 0x11
store 0x100200000 0x1ff000 0x22
khugepaged
dump smaps child
process 0
dump smaps parent
