# A THP split by MADV_DONTNEED of one page (511 pages stay, mapped by
# PTEs) is collapsed again by khugepaged: the address space is on its
# list since the THP fault.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000 0x200000
madvise(0x100100000, 0x1000, MADV_DONTNEED) = 0
dump smaps split
khugepaged
dump smaps collapsed
