# Ported from LTP testcases/kernel/syscalls/mlockall/mlockall01.c:
# mlockall(MCL_CURRENT), mlockall(MCL_FUTURE) and
# mlockall(MCL_CURRENT|MCL_FUTURE) succeed, one after the other.  Here a
# mapping made before is locked and populated by the first; MCL_FUTURE
# alone leaves the existing mappings as they are, still locked, and a
# mapping made after it is locked and populated.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(MCL_CURRENT) = 0
dump smaps current
mlockall(MCL_FUTURE) = 0
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
dump smaps future
mlockall(MCL_CURRENT|MCL_FUTURE) = 0
mmap(0x100020000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
dump smaps both
munlockall() = 0
