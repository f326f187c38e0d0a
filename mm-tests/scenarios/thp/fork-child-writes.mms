# fork copies the PMD (copy_huge_pmd); the child's write fault after it.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000 1 0x11
fork
process 1
store 0x100000000 1 0x22
dump smaps child
process 0
load 0x100000000
dump smaps parent
store 0x100001000
dump smaps parent after write
