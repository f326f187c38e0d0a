window 0x1f0000000 0x210000000
# mmap at start_brk while brk == start_brk
mmap(0x200000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200000000
dump at-start
brk(0x200001000) = 0x200000000
munmap(0x200000000, 16384) = 0
brk(0x200001000) = 0x200001000
mmap(0x200002000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200002000
dump above
# shrink brk when heap area was munmapped
munmap(0x200000000, 4096) = 0
brk(0x200000000) = 0x200001000
dump shrink-no-vma
