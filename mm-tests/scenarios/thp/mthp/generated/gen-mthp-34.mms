# generated: gen_mthp.py 34 --ops 33
machine thp_enabled=madvise
machine thp_enabled_2048k=inherit
machine thp_enabled_16k=inherit
machine thp_enabled_64k=madvise
machine thp_enabled_256k=always
window 0x100000000 0x100400000
mmap(0x100000000, 0x300000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
madvise(0x1002b9000, 0x17000, MADV_HUGEPAGE)
store 0x1000b0000 0x8000 30
mlock(0x10027e000, 0x4000)
load 0x100300000 0x10000
munlock(0x100080000, 0x80000)
dump smaps
madvise(0x10033c000, 0x8000, MADV_HUGEPAGE)
store 0x100350000 0x1000 140
madvise(0x10025c000, 0x8000, MADV_PAGEOUT)
store 0x1001d0000 0x8000 181
dump smaps
store 0x100081000 0x1 88
munmap(0x1002b0000, 0x80000)
dump smaps
store 0x100073000 0x1 234
munmap(0x100130000, 0x10000)
store 0x10012a000 0x1 136
munmap(0x1003be000, 0x30000)
mprotect(0x10012f000, 0x10000, PROT_READ)
fork
store 0x100348000 0x1 227
mprotect(0x1000c0000, 0x40000, PROT_NONE)
store 0x100241000 0x1000 255
fork
store 0x1002c0000 0x1 152
munmap(0x100040000, 0x10000)
store 0x100080000 0x8000 202
process 2
fork
store 0x10004e000 0x1000 154
munmap(0x1001ea000, 0x4000)
mremap(0x1001b0000, 0x10000, 0x10000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100307000)
mremap(0x1001d3000, 0x1000, 0x1000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x1002d9000)
store 0x100150000 0x1000 136
dump smaps
