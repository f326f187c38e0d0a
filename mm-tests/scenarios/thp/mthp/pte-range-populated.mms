# A range with a PTE in it (pte_range_none fails) takes the next smaller order that is empty.
machine thp_enabled_16k=always
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x10000c000
store 0x100000000
store 0x100010000
dump smaps
