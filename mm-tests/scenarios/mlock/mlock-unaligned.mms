# mlock and munlock round the start down and the end up to whole pages
# (PAGE_ALIGN(len + offset_in_page(start))).
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100004123, 100) = 0
dump one-page
mlock(0x100007fff, 2) = 0
dump two-pages
munlock(0x100004001, 1) = 0
dump unlocked-first
mlock(0x100009000, 0) = 0
dump zero-length
