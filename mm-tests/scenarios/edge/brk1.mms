window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
mmap(0x200004000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200004000
brk(0x200003001) = 0x200000000
brk(0x200004000) = 0x200000000
brk(0x200003000) = 0x200003000
dump gap-rule
brk(0x200002fff) = 0x200002fff
dump unaligned-shrink
brk(0x1fffff000) = 0x200002fff
brk(0) = 0x200002fff
munmap(0x200004000, 4096) = 0
# mprotect tail of heap RO, grow: new VMA
mprotect(0x200002000, 4096, PROT_READ) = 0
brk(0x200005000) = 0x200005000
dump grow-after-mprotect
store 0x200000000 0x5000
dump stored
# shrink across the split
brk(0x200001000) = 0x200001000
dump shrink-across
