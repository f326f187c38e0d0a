# A VMA that starts 32 kB into a 64 kB block: the 64 kB range does not fit there, 32 kB does.
machine thp_enabled_32k=always
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100008000, 0x28000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100008000
store 0x100008000
store 0x100010000
store 0x10002c000
dump smaps
