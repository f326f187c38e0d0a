# Ported from LTP testcases/kernel/syscalls/mincore/mincore02.c: a file of
# 4 pages mapped shared with PROT_READ|PROT_WRITE|PROT_EXEC and mlocked:
# mincore shows all 4 pages resident.
window 0x100000000 0x101000000
file mincore02 16384
openat(AT_FDCWD, "mincore02", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mlock(0x100000000, 16384) = 0
mincore(0x100000000, 16384, vec) = 0
munlock(0x100000000, 16384) = 0
munmap(0x100000000, 16384) = 0
close(3) = 0
