# Ported from LTP testcases/kernel/syscalls/brk/brk01.c.
# brk grows the heap by a page, then shrinks it back; each result is the
# new break and the heap is usable.
window 0x100000000 0x101000000
window 0x200000000 0x200100000
brk(NULL) = 0x200000000
brk(0x200001000) = 0x200001000
store 0x200000000
brk(0x200003000) = 0x200003000
store 0x200002000
dump grown
brk(0x200001000) = 0x200001000
load 0x200002000
dump shrunk
