# selftests/mm/guard-regions.c, TEST_F(guard_regions, mremap_move):
# Guard markers move with their mapping when mremap moves it.
# file variant: the test's mkstemp file is a tmpfs file of 100
# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file guard_regions_test_file 0
openat(AT_FDCWD, "guard_regions_test_file", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0x5000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
mmap(NULL, 0x5000, PROT_NONE, MAP_SHARED, 3, 0) = $q
mremap($p, 0x5000, 0x5000, MREMAP_MAYMOVE|MREMAP_FIXED, $q) = $q
load $q
store $q 0x1 0x78
load $q+0x4000
store $q+0x4000 0x1 0x78
dump moved
munmap($q, 0x5000) = 0
