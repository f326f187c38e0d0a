# Ported from tools/testing/selftests/mm/mlock2-tests.c, test_mlockall:
# after mlockall(MCL_CURRENT|MCL_ONFAULT|MCL_FUTURE) a new mapping is
# locked on fault (test_vma_management(false)): one VMA, split in three
# by munlock of its middle page, merged back by munlock of all of it.
window 0x100000000 0x101000000
mlockall(MCL_CURRENT|MCL_ONFAULT|MCL_FUTURE) = 0
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
dump smaps one
munlock(0x100001000, 4096) = 0
dump smaps three
munlock(0x100000000, 12288) = 0
dump smaps merged
munmap(0x100000000, 12288) = 0
munlockall() = 0
