# Ported from LTP testcases/kernel/syscalls/mincore/mincore01.c, test1:
# a start address that is not page aligned is EINVAL.  (Its setup: a
# shared mapping of 4 pages of a 2-page file.)
window 0x100000000 0x101000000
file mincore01 8192
openat(AT_FDCWD, "mincore01", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
close(3) = 0
mincore(0x100000001, 8192, vec) = -1 EINVAL (Invalid argument)
