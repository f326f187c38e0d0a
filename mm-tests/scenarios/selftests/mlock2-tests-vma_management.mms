# Ported from tools/testing/selftests/mm/mlock2-tests.c,
# test_vma_management(true): 3 pages locked with MLOCK_ONFAULT are one
# VMA; munlock of the middle page splits it in three; munlock of all
# three merges them back into one.
window 0x100000000 0x101000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 12288, MLOCK_ONFAULT) = 0
dump smaps one
munlock(0x100001000, 4096) = 0
dump smaps three
munlock(0x100000000, 12288) = 0
dump smaps merged
munmap(0x100000000, 12288) = 0
