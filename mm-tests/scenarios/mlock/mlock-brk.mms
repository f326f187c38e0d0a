# After mlockall(MCL_FUTURE) the heap grows locked: brk populates the new
# pages and a heap VMA made before does not take them in.
window 0x1ff000000 0x201000000
brk(NULL) = 0x200000000
brk(0x200003000) = 0x200003000
mlockall(MCL_FUTURE) = 0
brk(0x200006000) = 0x200006000
dump grown-locked
munlockall() = 0
brk(0x200008000) = 0x200008000
dump grown-unlocked
