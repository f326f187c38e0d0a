# Ported from LTP testcases/kernel/syscalls/madvise/madvise09.c (without memory pressure).
# MADV_FREE of written anonymous pages: without memory pressure the pages
# stay and keep their data; a page written again is kept.
window 0x100000000 0x101000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 32768 0x42
madvise(0x100000000, 32768, MADV_FREE) = 0
store 0x100001000 1 0x43
load 0x100000000 32768
dump
