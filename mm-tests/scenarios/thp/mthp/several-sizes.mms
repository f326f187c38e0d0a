# 16, 64 and 256 kB always: the highest order whose aligned range fits the VMA.
machine thp_enabled_16k=always
machine thp_enabled_64k=always
machine thp_enabled_256k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x40000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100100000, 0x30000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100000000
store 0x100100000
store 0x100120000
dump smaps
