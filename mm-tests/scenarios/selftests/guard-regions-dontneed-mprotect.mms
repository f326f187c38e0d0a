# selftests/mm/guard-regions.c, dontneed and mprotect: MADV_DONTNEED of
# a region with guard pages keeps them; mprotect to PROT_NONE and back
# keeps them too.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0xa000
madvise(0x100000000, 0xa000, MADV_GUARD_INSTALL) = 0
madvise(0x100002000, 0x2000, MADV_GUARD_REMOVE) = 0
madvise(0x100000000, 0xa000, MADV_DONTNEED) = 0
load 0x100002000 0x2000
load 0x100000000
mprotect(0x100000000, 0xa000, PROT_NONE) = 0
mprotect(0x100000000, 0xa000, PROT_READ|PROT_WRITE) = 0
load 0x100001000
load 0x100003000
dump after
