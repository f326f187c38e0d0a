# Ported from tools/testing/selftests/mm/mlock2-tests.c,
# test_mlock_droppable: droppable memory (MAP_DROPPABLE, 0x8) is not
# lockable: mlock2(0) succeeds but the VMA does not become VM_LOCKED
# (Locked stays 0, no split for a part of it); the pages are populated.
window 0x100000000 0x101000000
munlockall() = 0
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, 0x8|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 8192, 0) = 0
dump smaps
mlock(0x100001000, 4096) = 0
dump smaps part
munmap(0x100000000, 8192) = 0
