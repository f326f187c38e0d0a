# selftests/mm/guard-regions.c, fork and fork_wipeonfork: a fork child
# has the parent's guard pages; with MADV_WIPEONFORK they are not
# copied.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
madvise(0x100010000, 0x4000, MADV_WIPEONFORK) = 0
store 0x100000000 0xa000
madvise(0x100000000, 0x5000, MADV_GUARD_INSTALL) = 0
madvise(0x100010000, 0x2000, MADV_GUARD_INSTALL) = 0
fork
process 1
load 0x100000000
load 0x100005000
load 0x100010000
dump child
exit
load 0x100000000
load 0x100010000
dump parent
