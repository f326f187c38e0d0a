# generated: gen_mthp.py 4 --ops 24
machine thp_enabled=madvise
machine thp_enabled_2048k=never
machine thp_enabled_64k=inherit
window 0x100000000 0x100400000
mmap(0x100000000, 0x300000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x100028000, 0x2000, MADV_HUGEPAGE)
munmap(0x1002e3000, 0x4000)
dump smaps
mmap(0x100225000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
dump smaps
madvise(0x100280000, 0x100000, MADV_NOHUGEPAGE)
store 0x10026f000 0x1 99
load 0x100240000 0x2000
madvise(0x1000b1000, 0x2000, MADV_POPULATE_WRITE)
load 0x100120000 0x2000
dump smaps
mprotect(0x100237000, 0x80000, PROT_NONE)
store 0x1000c0000 0x1 121
madvise(0x100250000, 0x4000, MADV_HUGEPAGE)
dump smaps
dump smaps
munmap(0x100020000, 0x20000)
munmap(0x100094000, 0x30000)
madvise(0x100140000, 0x40000, MADV_COLD)
madvise(0x100250000, 0x30000, MADV_FREE)
dump smaps
madvise(0x100071000, 0x4000, MADV_HUGEPAGE)
store 0x1003c0000 0x1 62
fork
madvise(0x100190000, 0x10000, MADV_COLD)
dump smaps
