# selftests/mm/guard-regions.c, TEST_F(guard_regions, mremap_expand):
# Guard markers stay where they were when mremap expands the mapping, in
# place and moving it.
# anon variant: private anonymous memory.
window 0x100000000 0x100100000
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $p
munmap($p+0x5000, 0x5000) = 0
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
mremap($p, 0x5000, 0xa000, 0) = $p
load $p
store $p 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
dump expanded
mmap(NULL, 0x14000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $q
mremap($p, 0xa000, 0x14000, MREMAP_MAYMOVE|MREMAP_FIXED, $q) = $q
load $q
store $q 0x1 0x78
load $q+0x4000
store $q+0x4000 0x1 0x78
dump moved
munmap($q, 0x14000) = 0
