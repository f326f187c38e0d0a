# A read fault in an aligned MADV_HUGEPAGE range maps the huge zero page with one PMD
# (one fault, Rss and AnonHugePages 0); the write after it maps a THP (one more fault).
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
load 0x100000000
dump smaps after read
load 0x100100000
dump after second read
store 0x100080000
dump smaps after write
