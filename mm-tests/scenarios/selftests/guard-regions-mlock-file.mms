# selftests/mm/guard-regions.c, TEST_F(guard_regions, mlock):
# Guard install in an mlocked range fails with EINVAL; after munlock it
# works; the pages after the guard pages can be locked, and guard pages
# can be removed from a range that has locked pages.
# file variant: the test's mkstemp file is a tmpfs file of 100
# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file guard_regions_test_file 0
openat(AT_FDCWD, "guard_regions_test_file", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
store $p 0xa000 0x79
mlock($p, 0xa000) = 0
madvise($p, 0xa000, MADV_GUARD_INSTALL) = -1 EINVAL (Invalid argument)
munlock($p, 0xa000) = 0
madvise($p, 0x5000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x1000
store $p+0x1000 0x1 0x78
load $p+0x2000
store $p+0x2000 0x1 0x78
load $p+0x3000
store $p+0x3000 0x1 0x78
load $p+0x4000
store $p+0x4000 0x1 0x78
load $p+0x5000
store $p+0x5000 0x1 0x78
load $p+0x5000
load $p+0x6000
store $p+0x6000 0x1 0x78
load $p+0x6000
load $p+0x7000
store $p+0x7000 0x1 0x78
load $p+0x7000
load $p+0x8000
store $p+0x8000 0x1 0x78
load $p+0x8000
load $p+0x9000
store $p+0x9000 0x1 0x78
load $p+0x9000
mlock($p+0x5000, 0x5000) = 0
dump locked
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
store $p 0xa000 0x78
dump removed
munmap($p, 0xa000) = 0
