# generated: gen_mthp.py 3 --ops 23
machine thp_enabled=madvise
machine thp_enabled_2048k=never
machine thp_enabled_256k=inherit
window 0x100000000 0x100400000
mmap(0x100000000, 0x300000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
mmap(0x1003c4000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
store 0x100104000 0x8000 199
munmap(0x100146000, 0x2000)
fork
madvise(0x100300000, 0xc0000, MADV_PAGEOUT)
store 0x1002f0000 0x1 223
munmap(0x100350000, 0x30000)
store 0x1001d0000 0x1 143
dump smaps
mprotect(0x10029c000, 0x10000, PROT_NONE)
mprotect(0x100202000, 0xc0000, PROT_READ|PROT_WRITE)
madvise(0x100348000, 0x1000, MADV_FREE)
process 1
store 0x100305000 0x1 120
dump smaps
load 0x1000dd000 0x1000
dump smaps
madvise(0x100130000, 0x20000, MADV_HUGEPAGE)
process 0
store 0x100300000 0x8000 52
mprotect(0x100200000, 0x200000, PROT_READ|PROT_WRITE)
load 0x100260000 0x2000
dump smaps
dump smaps
