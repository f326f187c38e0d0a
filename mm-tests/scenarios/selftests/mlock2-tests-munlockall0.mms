# Ported from tools/testing/selftests/mm/mlock2-tests.c, test_munlockall0.
# mlockall(MCL_CURRENT) locks and populates the 2-page mapping;
# munlockall leaves nothing locked.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(MCL_CURRENT) = 0
dump smaps locked
munlockall() = 0
dump smaps unlocked
munmap(0x100000000, 8192) = 0
