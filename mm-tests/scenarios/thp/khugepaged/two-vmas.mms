# A block that two VMAs share (mprotect of its second half) is not
# collapsed: no VMA holds it whole; the whole block next to it is.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x400000
mprotect(0x100100000, 0x100000, PROT_READ) = 0
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
