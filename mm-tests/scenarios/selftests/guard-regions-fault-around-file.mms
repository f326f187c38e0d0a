# selftests/mm/guard-regions.c, TEST_F(guard_regions, fault_around):
# Fault-around does not map over guard pages: with every even page
# guarded, reading the odd pages leaves the even ones guarded.
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
madvise($p, 0xa000, MADV_PAGEOUT) = 0
munmap($p, 0xa000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $q
madvise($q, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($q+0x2000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($q+0x4000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($q+0x6000, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($q+0x8000, 0x1000, MADV_GUARD_INSTALL) = 0
load $q+0x1000
load $q+0x3000
load $q+0x5000
load $q+0x7000
load $q+0x9000
dump faulted
load $q
load $q+0x1000
load $q+0x2000
load $q+0x3000
load $q+0x4000
load $q+0x5000
load $q+0x6000
load $q+0x7000
load $q+0x8000
load $q+0x9000
dump end
munmap($q, 0xa000) = 0
