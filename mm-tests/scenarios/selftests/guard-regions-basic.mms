# selftests/mm/guard-regions.c, basic: guard pages at both ends of a
# 10-page region fault (SIGSEGV); the pages between are usable; removing
# them makes every page usable again.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 4096, MADV_GUARD_INSTALL) = 0
madvise(0x100009000, 4096, MADV_GUARD_INSTALL) = 0
load 0x100000000
load 0x100009000
store 0x100001000 0x8000
load 0x100001000 0x8000
dump installed
madvise(0x100000000, 0xa000, MADV_GUARD_REMOVE) = 0
load 0x100000000 0xa000
dump removed
