# Ported from LTP testcases/kernel/syscalls/mlock2/mlock201.c, case 1:
# 8 pages of PROT_WRITE shared anonymous memory, 0 of them written
# first, then mlock2(addr, 1 pages + 0 bytes, 0): the whole pages of the
# range are locked (Locked; the test reads VmLck) and mincore shows which
# pages are resident (all those locked; with MLOCK_ONFAULT only those
# written); then munlock.
window 0x100000000 0x101000000
mmap(0x100000000, 32768, PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 4096, 0) = 0
dump smaps locked
mincore(0x100000000, 32768, vec) = 0
munlock(0x100000000, 4096) = 0
dump smaps unlocked
munmap(0x100000000, 32768) = 0
