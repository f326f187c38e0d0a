# MADV_DONTNEED of part of a 64 kB folio; a write in the hole then finds the 64 kB range populated.
machine thp_enabled_16k=always
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
madvise(0x100008000, 0x4000, MADV_DONTNEED) = 0
dump smaps
store 0x100008000
dump smaps after
