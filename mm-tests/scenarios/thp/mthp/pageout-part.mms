# MADV_PAGEOUT of part of a 64 kB folio (no swap) splits it; its zero-filled pages are then the zero page.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
store 0x100003000
madvise(0x100000000, 0x2000, MADV_PAGEOUT) = 0
dump smaps
