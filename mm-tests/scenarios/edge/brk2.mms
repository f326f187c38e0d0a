window 0x1f0000000 0x210000000
# mmap right below start_brk, then grow brk: merge?
mmap(0x1ffffc000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1ffffc000
dump below
brk(0x200002000) = 0x200002000
dump grown
mprotect(0x1ffffc000, 0x6000, PROT_READ) = 0
dump ro
mprotect(0x1ffffc000, 0x6000, PROT_READ|PROT_WRITE) = 0
dump rw
brk(0x200004000) = 0x200004000
dump grown2
