# selftests/mm/guard-regions.c, TEST_F(guard_regions, munmap):
# munmap of guarded pages leaves no guard marker behind: mappings made
# over them again are usable.
# file variant: the test's mkstemp file is a tmpfs file of 100
# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file guard_regions_test_file 0
openat(AT_FDCWD, "guard_regions_test_file", O_RDWR) = 3
ftruncate(3, 0x64000) = 0
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $p
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x9000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
munmap($p, 0x1000) = 0
munmap($p+0x9000, 0x1000) = 0
mmap($p, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = $p
mmap($p+0x9000, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = $p+0x9000
load $p
store $p 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
dump remapped
munmap($p, 0xa000) = 0
