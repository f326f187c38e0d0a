# The huge zero page's PMD survives mprotect(PROT_NONE) and PROT_READ again
# (a later read needs no fault); a write after PROT_READ|PROT_WRITE
# replaces it with a THP (one fault).
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
mprotect(0x100000000, 0x400000, PROT_NONE) = 0
dump smaps none
mprotect(0x100000000, 0x200000, PROT_READ) = 0
load 0x100000000
dump smaps read
mprotect(0x100000000, 0x400000, PROT_READ|PROT_WRITE) = 0
store 0x100200000
dump smaps written
