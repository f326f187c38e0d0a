# Ported from tools/testing/selftests/mm/mlock2-tests.c,
# test_mlockall_future_droppable: after mlockall(MCL_CURRENT|MCL_FUTURE)
# a droppable mapping is still not locked (and not populated), while an
# ordinary one is.
window 0x100000000 0x101000000
mlockall(MCL_CURRENT|MCL_FUTURE) = 0
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, 0x8|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
dump smaps
munlockall() = 0
munmap(0x100000000, 8192) = 0
