# mprotect(PROT_NONE) of a whole THP keeps its PMD (change_huge_pmd): still
# huge and present, AnonHugePages unchanged; an access is SIGSEGV with no
# fault counted; made writable again, the dirty exclusive leaf takes a
# write with no fault.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000 1 0x5a
mprotect(0x100000000, 0x200000, PROT_NONE) = 0
dump smaps none
load 0x100001000
store 0x100100000
dump smaps after-access
mprotect(0x100000000, 0x200000, PROT_READ|PROT_WRITE) = 0
load 0x100000000
store 0x100100000
dump smaps writable
