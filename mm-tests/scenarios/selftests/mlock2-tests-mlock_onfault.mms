# Ported from tools/testing/selftests/mm/mlock2-tests.c, test_mlock_onfault.
# mlock2(MLOCK_ONFAULT) of 2 pages populates nothing; after one store the
# VMA is locked with one page resident (Rss < Size); munlock unlocks it.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 8192, MLOCK_ONFAULT) = 0
store 0x100000000
dump smaps onfault
munlock(0x100000000, 8192) = 0
dump smaps unlocked
munmap(0x100000000, 8192) = 0
