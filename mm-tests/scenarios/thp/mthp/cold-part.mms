# MADV_COLD of part of a 64 kB folio splits it.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
madvise(0x100008000, 0x1000, MADV_COLD) = 0
dump smaps
