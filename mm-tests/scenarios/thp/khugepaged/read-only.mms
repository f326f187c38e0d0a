# A written block made read-only (mprotect PROT_READ) is collapsed: the
# scan asks for no writable entry; the leaf is read-only, and a write
# then faults with SIGSEGV.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
mprotect(0x100000000, 0x200000, PROT_READ) = 0
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps
load 0x100000000
