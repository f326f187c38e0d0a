# Ported from tools/testing/selftests/mm/mlock2-tests.c, test_munlockall1.
# mlockall(MCL_CURRENT|MCL_ONFAULT): locked on fault (one store, one page
# resident); munlockall; mlockall(MCL_CURRENT|MCL_FUTURE) locks and
# populates; munlockall again leaves nothing locked.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(MCL_CURRENT|MCL_ONFAULT) = 0
store 0x100000000
dump smaps onfault
munlockall() = 0
dump smaps unlocked
mlockall(MCL_CURRENT|MCL_FUTURE) = 0
dump smaps locked
munlockall() = 0
dump smaps unlocked-again
munmap(0x100000000, 8192) = 0
