machine swap=zram:1M
# mlock moves the pages already mapped to the unevictable list
# (mlock_vma_pages_range -> mlock_folio) and populates the rest, whose
# faults start their pages there (mlock_new_folio).  MADV_PAGEOUT refuses
# the locked VMA; after munlock, MADV_PAGEOUT swaps the pages out.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
mlock(0x100000000, 16384) = 0
madvise(0x100000000, 16384, MADV_PAGEOUT) = -1 EINVAL
munlock(0x100000000, 16384) = 0
madvise(0x100000000, 16384, MADV_PAGEOUT) = 0
dump
