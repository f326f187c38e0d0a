# munmap of 8 kB inside a 64 kB folio leaves the rest mapped.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
munmap(0x100004000, 0x2000) = 0
dump smaps
