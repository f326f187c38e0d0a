# selftests/mm/guard-regions.c, TEST_F(guard_regions, fork_cow):
# A fork child sees the parent's data copy-on-write; guard install and
# removal in the child leave it zero pages, and the parent's data as it
# was (byte i of the range is 'a' + i % 26: here the first byte of each
# page).
# anon variant: private anonymous memory.
window 0x100000000 0x100100000
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $p
store $p 0x1 0x61
store $p+0x1000 0x1 0x6f
store $p+0x2000 0x1 0x63
store $p+0x3000 0x1 0x71
store $p+0x4000 0x1 0x65
store $p+0x5000 0x1 0x73
store $p+0x6000 0x1 0x67
store $p+0x7000 0x1 0x75
store $p+0x8000 0x1 0x69
store $p+0x9000 0x1 0x77
fork
process 1
load $p 0xa000
madvise($p, 0xa000, MADV_GUARD_INSTALL) = 0
madvise($p, 0xa000, MADV_GUARD_REMOVE) = 0
load $p 0xa000
dump child
exit
load $p 0xa000
dump parent
munmap($p, 0xa000) = 0
