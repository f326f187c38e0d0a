# shmem_enabled=always: MAP_SHARED|MAP_ANONYMOUS memory takes 2 MiB folios mapped by PMDs, a read fault as a write (one fault per block); a block the VMA does not cover whole takes 4 KiB pages.
machine thp_shmem_enabled=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x500000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000
store 0x100200000 1 7
store 0x100400000 1 8
load 0x100001000 0x2000
dump smaps
