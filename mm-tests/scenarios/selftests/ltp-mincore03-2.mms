# Ported from LTP testcases/kernel/syscalls/mincore/mincore03.c, case 2:
# 3 pages of private anonymous memory, mlocked, are all resident.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100000000, 12288) = 0
mincore(0x100000000, 12288, vec) = 0
munlock(0x100000000, 12288) = 0
munmap(0x100000000, 12288) = 0
