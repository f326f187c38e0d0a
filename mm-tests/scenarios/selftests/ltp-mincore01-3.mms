# Ported from LTP testcases/kernel/syscalls/mincore/mincore01.c, test3:
# a range that holds unmapped memory (the second half of the mapping,
# unmapped) is ENOMEM; the first half alone is fine (its second page is
# past the end of the file: not resident).  (test2, a vector at an
# unmapped address, is not expressible: the runners pass their own
# buffer.)
window 0x100000000 0x101000000
file mincore01 8192
openat(AT_FDCWD, "mincore01", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
close(3) = 0
munmap(0x100002000, 8192) = 0
mincore(0x100000000, 16384, vec) = -1 ENOMEM (Cannot allocate memory)
mincore(0x100000000, 8192, vec) = 0
