# The global setting never does not stop a size set to always.
machine thp_enabled=never
machine thp_enabled_32k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
dump smaps
