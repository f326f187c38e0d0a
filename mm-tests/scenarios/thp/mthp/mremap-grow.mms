# mremap growing in place: the new part faults 64 kB folios.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mremap(0x100000000, 0x10000, 0x30000, 0) = 0x100000000
store 0x100020000
dump smaps
