# Ported from LTP testcases/kernel/syscalls/mincore/mincore03.c, case 1:
# 3 pages of private anonymous memory never touched are not resident.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mincore(0x100000000, 12288, vec) = 0
munmap(0x100000000, 12288) = 0
