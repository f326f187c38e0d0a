# Ported from tools/testing/selftests/mm/mlock2-tests.c,
# test_lock_onfault_of_present: a page faulted before
# mlock2(MLOCK_ONFAULT) stays, and is counted as locked; the other one
# is not faulted in.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mlock2(0x100000000, 8192, MLOCK_ONFAULT) = 0
dump smaps
munmap(0x100000000, 8192) = 0
