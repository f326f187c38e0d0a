# Ported from LTP testcases/kernel/syscalls/brk/brk02.c.
# The break grown by one page, then another (a second VMA after the
# first is written), that page made RWX by mprotect, the break grown once
# more and then set back to its start: every VMA of the heap is unmapped.
window 0x100000000 0x101000000
window 0x200000000 0x200100000
brk(NULL) = 0x200000000
brk(0x200001000) = 0x200001000
store 0x200000000
brk(0x200002000) = 0x200002000
mprotect(0x200001000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC) = 0
brk(0x200003000) = 0x200003000
dump grown
brk(0x200000000) = 0x200000000
dump back
