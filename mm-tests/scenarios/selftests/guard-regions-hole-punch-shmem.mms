# selftests/mm/guard-regions.c, TEST_F(guard_regions, hole_punch):
# MADV_REMOVE (a hole punched in the file) over guard pages keeps them;
# after removal the hole reads zeros and the rest of the file its data
# (page i holds 'a' + i).
# shmem variant: the test's memfd is a tmpfs file of 100 pages
# of holes (made empty, then ftruncate), mapped MAP_SHARED.
window 0x100000000 0x100100000
file memfd 0
openat(AT_FDCWD, "memfd", O_RDWR) = 3
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
madvise($p+0x3000, 0x4000, MADV_GUARD_INSTALL) = 0
load $p
load $p+0x1000
load $p+0x2000
load $p+0x3000
load $p+0x4000
load $p+0x5000
load $p+0x6000
load $p+0x7000
load $p+0x8000
load $p+0x9000
madvise($p+0x3000, 0x4000, MADV_REMOVE) = 0
load $p
load $p+0x1000
load $p+0x2000
load $p+0x3000
load $p+0x4000
load $p+0x5000
load $p+0x6000
load $p+0x7000
load $p+0x8000
load $p+0x9000
dump punched
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0x3000
load $p+0x3000 0x4000
load $p+0x7000 0x3000
dump end
munmap($p, 0xa000) = 0
