# Ported from LTP testcases/kernel/syscalls/brk/brk02.c.
# The break grown by two pages, the new page made PROT_READ by mprotect
# (a new VMA), then brk back to the old value and up again.
window 0x100000000 0x101000000
window 0x200000000 0x200100000
brk(NULL) = 0x200000000
brk(0x200001000) = 0x200001000
store 0x200000000
brk(0x200003000) = 0x200003000
mprotect(0x200001000, 4096, PROT_READ) = 0
dump split
brk(0x200001000) = 0x200001000
dump back
brk(0x200002000) = 0x200002000
dump again
