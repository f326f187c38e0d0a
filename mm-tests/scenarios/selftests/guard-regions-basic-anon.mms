# selftests/mm/guard-regions.c, TEST_F(guard_regions, basic):
# Guard pages at both ends of a 10-page mapping fault (SIGSEGV); the pages
# between stay usable; removing a guard page makes it usable again; a
# range of guard pages installed over faulted pages; removing them keeps
# what the other pages hold ('x').
# anon variant: private anonymous memory.
window 0x100000000 0x100100000
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $p
load $p
store $p 0x1 0x78
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x1000 0x9000
store $p+0x1000 0x9000 0x78
madvise($p+0x9000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
madvise($p, 0x1000, MADV_GUARD_REMOVE) = 0
load $p
store $p 0x1 0x78
madvise($p+0x9000, 0x1000, MADV_GUARD_REMOVE) = 0
load $p+0x9000
store $p+0x9000 0x1 0x78
madvise($p, 0x3000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x1000
store $p+0x1000 0x1 0x78
load $p+0x2000
store $p+0x2000 0x1 0x78
load $p+0x3000 0x7000
store $p+0x3000 0x7000 0x78
dump guarded
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
store $p 0xa000 0x78
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
dump removed
munmap($p, 0xa000) = 0
