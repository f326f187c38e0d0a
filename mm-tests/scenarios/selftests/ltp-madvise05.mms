# Ported from LTP testcases/kernel/syscalls/madvise/madvise05.c.
# Regression test of MADV_WILLNEED on a PROT_NONE anonymous mapping
# (populated read-only before): it succeeds on a kernel with swap support.
window 0x100000000 0x101000000
mmap(NULL, 33554432, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = $p
mprotect($p, 33554432, PROT_NONE) = 0
madvise($p, 33554432, MADV_WILLNEED) = 0
dump
munmap($p, 33554432) = 0
dump unmapped
