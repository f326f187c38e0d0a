# Why accesses fail: no VMA at all (bad_area_nosemaphore, SEGV_MAPERR) and a
# VMA that forbids the access (access_error, SEGV_ACCERR).  Neither counts.
window 0x100000000 0x140000000
mmap(0x100000000, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100002000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100002000
load 0x100001000
load 0x100000000
store 0x100002000
dump
