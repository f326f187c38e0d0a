# mprotect of a whole THP block changes the PMD in place: it stays huge; making it
# writable again and writing takes one fault.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000
mprotect(0x100000000, 0x200000, PROT_READ) = 0
dump smaps read-only
mprotect(0x100000000, 0x200000, PROT_READ|PROT_WRITE) = 0
store 0x100000000
dump smaps writable
