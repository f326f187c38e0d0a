# Ported from tools/testing/selftests/mm/mlock2-tests.c, test_mlock_lock
# (and main's probe: mlock2(MLOCK_ONFAULT) of 3 pages, unmapped at once).
# mlock2(0) of 2 pages: the VMA is locked (Locked) and every page is
# resident (Rss == Size); after munlock nothing is locked.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 12288, MLOCK_ONFAULT) = 0
munmap(0x100000000, 12288) = 0
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 8192, 0) = 0
dump smaps locked
munlock(0x100000000, 8192) = 0
dump smaps unlocked
munmap(0x100000000, 8192) = 0
