# selftests/mm/guard-regions.c, TEST_F(guard_regions, basic):
# Guard pages at both ends of a 10-page mapping fault (SIGSEGV); the pages
# between stay usable; removing a guard page makes it usable again; a
# range of guard pages installed over faulted pages; removing them keeps
# what the other pages hold ('x').
# file variant: the test's mkstemp file is a tmpfs file of 100
# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file guard_regions_test_file 0
openat(AT_FDCWD, "guard_regions_test_file", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
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
