# selftests/mm/guard-regions.c, TEST_F(guard_regions, madvise_sequential):
# MADV_SEQUENTIAL (aggressive readahead) then guard pages on every other
# page and MADV_PAGEOUT: guard pages fault, the others read the data
# written to the file (page i holds 'a' + i), also after removal.
# file variant: the test's mkstemp file is a tmpfs file of 100
# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file guard_regions_test_file 0
openat(AT_FDCWD, "guard_regions_test_file", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
store $p 0x1 0x61
store $p+0x1000 0x1 0x62
store $p+0x2000 0x1 0x63
store $p+0x3000 0x1 0x64
store $p+0x4000 0x1 0x65
store $p+0x5000 0x1 0x66
store $p+0x6000 0x1 0x67
store $p+0x7000 0x1 0x68
store $p+0x8000 0x1 0x69
store $p+0x9000 0x1 0x6a
load $p 0xa000
madvise($p, 0xa000, MADV_SEQUENTIAL) = 0
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x2000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x6000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x8000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p, 0xa000, MADV_PAGEOUT) = 0
load $p
store $p 0x1 0x78
load $p+0x1000
load $p+0x2000
store $p+0x2000 0x1 0x78
load $p+0x3000
load $p+0x4000
store $p+0x4000 0x1 0x78
load $p+0x5000
load $p+0x6000
store $p+0x6000 0x1 0x78
load $p+0x7000
load $p+0x8000
store $p+0x8000 0x1 0x78
load $p+0x9000
dump guarded
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
dump removed
munmap($p, 0xa000) = 0
