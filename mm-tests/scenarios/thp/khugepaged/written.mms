# khugepaged collapses the blocks of 4 KiB pages written before
# MADV_HUGEPAGE: the advice puts the address space on khugepaged's list
# (the VMA has an anon_vma), and its scan makes each block one THP.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x400000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
