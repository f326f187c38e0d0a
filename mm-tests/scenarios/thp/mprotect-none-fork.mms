# fork copies a PROT_NONE THP leaf (copy_huge_pmd): both processes map it
# huge; the child's PROT_READ|PROT_WRITE and write copies at the PTE level
# after splitting its own PMD, the parent's leaf stays.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
mprotect(0x100000000, 0x200000, PROT_NONE) = 0
fork
process 1
dump smaps child
mprotect(0x100000000, 0x200000, PROT_READ|PROT_WRITE) = 0
store 0x100000000
dump smaps child-written
process 0
dump smaps parent
