# A read fault maps the zero page whatever the mTHP sizes; a write next to it finds its 64 kB range populated and takes a 4 kB page.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x40000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000
dump smaps read
store 0x100000000
store 0x100001000
dump smaps
